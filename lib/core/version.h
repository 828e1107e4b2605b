/* version.h — nnrun's version, recorded in every run's results.json. */
#ifndef NN_CORE_VERSION_H
#define NN_CORE_VERSION_H

#define NN_VERSION "0.1.0"

#endif
