// Package demodata embeds clc's demo dataset: 8,000 Fashion-MNIST training
// images (800 per class, the first of each class in file order), downsampled
// from 28×28 to 14×14 by averaging 2×2 pixel blocks, as gzip-compressed CSV
// with header px0..px195,label. scripts/make-demo-data.py regenerates it
// byte for byte from Debian's dataset-fashion-mnist package.
package demodata

import (
	"bytes"
	_ "embed"
	"io"
)

// Name is how the demo dataset is named in messages and fit files.
const Name = "demo:fashion-mnist-14x14-8k.csv.gz"

//go:embed fashion-demo.csv.gz
var fashionDemo []byte

// Open returns a reader over the gzip-compressed demo CSV.
func Open() io.Reader { return bytes.NewReader(fashionDemo) }

// Bytes returns the compressed demo CSV (for hashing); callers must not
// modify it.
func Bytes() []byte { return fashionDemo }
