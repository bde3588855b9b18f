// No stable API: the Swift side reaches OpenBLAS only through ScoreKit/BLAS/BLAS.swift.
#ifndef SCOREKIT_COPENBLAS_SHIM_H
#define SCOREKIT_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
