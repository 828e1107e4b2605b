/* format.c — Python-compatible float text (history.csv) and Keras progress values. */
#include "io/format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *nn_format_repr(double v, char *buf, size_t size)
{
    if (isnan(v))
        return snprintf(buf, size, "nan"), buf;
    if (isinf(v))
        return snprintf(buf, size, v > 0 ? "inf" : "-inf"), buf;
    if (v == 0.0)
        return snprintf(buf, size, signbit(v) ? "-0.0" : "0.0"), buf;
    /* shortest round-tripping digits, as d.ddddde±XX */
    char sci[40];
    for (int prec = 0; prec < 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec, v);
        if (strtod(sci, NULL) == v)
            break;
    }
    /* split into sign, digits and exponent */
    char digits[24];
    int nd = 0, exp10;
    const char *p = sci;
    int neg = *p == '-';
    if (neg)
        p++;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    digits[nd] = '\0';
    exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';

    char out[64];
    size_t k = 0;
    if (neg)
        out[k++] = '-';
    if (exp10 < -4 || exp10 >= 16) {
        out[k++] = digits[0];
        if (nd > 1) {
            out[k++] = '.';
            for (int i = 1; i < nd; i++)
                out[k++] = digits[i];
        }
        k += (size_t)snprintf(out + k, sizeof out - k, "e%c%02d", exp10 < 0 ? '-' : '+',
                              exp10 < 0 ? -exp10 : exp10);
    } else if (exp10 < 0) {
        out[k++] = '0';
        out[k++] = '.';
        for (int i = 0; i < -exp10 - 1; i++)
            out[k++] = '0';
        for (int i = 0; i < nd; i++)
            out[k++] = digits[i];
        out[k] = '\0';
    } else {
        for (int i = 0; i <= exp10; i++)
            out[k++] = i < nd ? digits[i] : '0';
        out[k++] = '.';
        if (nd > exp10 + 1)
            for (int i = exp10 + 1; i < nd; i++)
                out[k++] = digits[i];
        else
            out[k++] = '0';
        out[k] = '\0';
    }
    snprintf(buf, size, "%s", out);
    return buf;
}

const char *nn_format_keras(double v, char *buf, size_t size)
{
    snprintf(buf, size, fabs(v) > 1e-3 ? "%.4f" : "%.4e", v);
    return buf;
}
