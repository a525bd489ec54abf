package train

import "github.com/clc-tools/clc/internal/inputerr"

// The settings that messages of this package name; a front end spells them
// (the command line, as its flags).
const (
	paramTarget           inputerr.Param = "target"
	paramTask             inputerr.Param = "task"
	paramValid            inputerr.Param = "valid"
	paramValidFraction    inputerr.Param = "valid_fraction"
	paramModel            inputerr.Param = "model"
	paramHidden           inputerr.Param = "hidden"
	paramActivation       inputerr.Param = "activation"
	paramOptimizer        inputerr.Param = "optimizer"
	paramEpochs           inputerr.Param = "epochs"
	paramSteps            inputerr.Param = "steps"
	paramBatchSize        inputerr.Param = "batch_size"
	paramLR               inputerr.Param = "lr"
	paramLRMin            inputerr.Param = "lr_min"
	paramLRMax            inputerr.Param = "lr_max"
	paramDivergenceFactor inputerr.Param = "divergence_factor"
)
