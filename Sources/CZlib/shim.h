// No stable API: the Swift side reaches zlib only through ScoreKit/Formats/Zlib.swift.
#ifndef SCOREKIT_CZLIB_SHIM_H
#define SCOREKIT_CZLIB_SHIM_H
#include <zlib.h>
#endif
