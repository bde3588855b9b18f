// No stable API: the Swift side reaches LAPACK only through ScoreKit/BLAS/LAPACK.swift.
#ifndef SCOREKIT_CLAPACKE_SHIM_H
#define SCOREKIT_CLAPACKE_SHIM_H
#include <lapacke.h>
#endif
