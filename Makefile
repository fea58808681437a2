# Makefile -- thin wrapper over CMake; the real build is CMakeLists.txt
#
#   make            optimized program at build/adfrun
#   make test       install missing packages, build with ASan+UBSan, run ctest
#   make demo       install missing packages, build, run pipeline1 on a mock
#   make valgrind   the test suite under valgrind (separate build folder)
#   make fuzz       libFuzzer targets (clang), each for FUZZ_SECONDS
#   make bench      release build + every benchmark in bench/
#   make install    install build/adfrun (PREFIX=/usr/local)

PREFIX ?= /usr/local
JOBS ?= 2
FUZZ_SECONDS ?= 30
CMAKE ?= cmake
GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps test demo valgrind fuzz bench install clean format check-format

all:
	@test -f build/CMakeCache.txt || $(CMAKE) -S . -B build $(GEN) -DCMAKE_BUILD_TYPE=Release
	$(CMAKE) --build build -j $(JOBS)

deps:
	@scripts/install-deps.sh

test: deps
	@test -f build-asan/CMakeCache.txt || $(CMAKE) -S . -B build-asan $(GEN) \
	  -DCMAKE_BUILD_TYPE=Debug -DADF_SANITIZE=address,undefined
	$(CMAKE) --build build-asan -j $(JOBS)
	@scripts/run-tests.sh build-asan

demo: deps all
	@scripts/demo.sh build/adfrun

valgrind: deps
	@test -f build-vg/CMakeCache.txt || $(CMAKE) -S . -B build-vg $(GEN) -DCMAKE_BUILD_TYPE=Debug
	$(CMAKE) --build build-vg -j $(JOBS)
	cd build-vg && ctest --output-on-failure -T memcheck -LE script -j $(JOBS) \
	  --overwrite MemoryCheckCommandOptions="--error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --suppressions=$(CURDIR)/tests/valgrind.supp"

fuzz: deps
	@test -f build-fuzz/CMakeCache.txt || CC=clang $(CMAKE) -S . -B build-fuzz $(GEN) \
	  -DCMAKE_BUILD_TYPE=Debug -DADF_FUZZ=ON -DADF_SANITIZE=address,undefined
	$(CMAKE) --build build-fuzz -j $(JOBS)
	@scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

bench: deps
	@test -f build-bench/CMakeCache.txt || $(CMAKE) -S . -B build-bench $(GEN) -DCMAKE_BUILD_TYPE=Release
	$(CMAKE) --build build-bench -j $(JOBS)
	@scripts/bench.sh build-bench

install: all
	$(CMAKE) --install build --prefix $(PREFIX)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

check-format:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-vg build-fuzz build-bench
