// Package table reads clc's data files: numeric CSV tables, plain or
// gzip-compressed, from a path, standard input or any io.Reader, into a
// float32 feature matrix and a float64 target column (Read, Load).
//
// The format and its rules are documented on Read; problems with the data
// are *inputerr.Error values located at file:line:column, with a hint.
package table
