/* format.h — numbers written the way the Python tools around Keras write them. */
#ifndef NN_IO_FORMAT_H
#define NN_IO_FORMAT_H

#include <stddef.h>

/* Python's repr(float): the shortest digits that read back to the same double, in fixed
 * notation for 1e-4 <= |v| < 1e16 (always with a fractional part: "1.0") and
 * "1e-05"-style exponent notation otherwise; "nan", "inf", "-inf". Returns buf. */
const char *nn_format_repr(double v, char *buf, size_t size);

/* Keras Progbar: "%.4f", or "%.4e" when |v| <= 1e-3. Returns buf. */
const char *nn_format_keras(double v, char *buf, size_t size);

#endif
