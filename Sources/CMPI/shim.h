// No stable API: the Swift side reaches MPI only through ScoreKit/Parallel/ProcessGroup.swift.
// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros over the addresses of
// global objects, which Swift cannot import; these functions hand them over as values.
#ifndef SCOREKIT_CMPI_SHIM_H
#define SCOREKIT_CMPI_SHIM_H
#include <mpi.h>
static inline MPI_Comm sk_mpi_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype sk_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype sk_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype sk_mpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Datatype sk_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype sk_mpi_int(void) { return MPI_INT; }
static inline void *sk_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Op sk_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op sk_mpi_min(void) { return MPI_MIN; }
static inline MPI_Op sk_mpi_max(void) { return MPI_MAX; }
#endif
