# Warning and sanitizer flags shared by every hotreload target.
include(GNUInstallDirs)

function(hotreload_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion-null)
  # g++ 12 at -O2 reports false positives inside the standard library: -Wmaybe-uninitialized in
  # std::variant<std::string, ...> (GCC bug 105562) and -Warray-bounds in std::map nodes holding
  # nlohmann::json (GCC bug 106199 and relatives), and -Wrestrict in std::string concatenation at
  # -O3 (GCC bug 105329). clang still checks the same code.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized -Wno-array-bounds -Wno-restrict)
  endif()
  if(HOTRELOAD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(HOTRELOAD_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  # Executables not position-independent: a PIE test binary spends most of its start-up (over a
  # second, paid by every test process and every CLI run a test makes) applying millions of
  # relocations to the sanitizers' per-global and per-check data. Objects stay -fPIE, so the
  # installed library still links into a consumer's PIE.
  add_link_options($<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:-no-pie>)
elseif(HOTRELOAD_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT HOTRELOAD_SANITIZE STREQUAL "")
  message(FATAL_ERROR "HOTRELOAD_SANITIZE must be empty, 'address' or 'thread'")
endif()

# Coverage instrumentation for libFuzzer on every target; the harnesses add -fsanitize=fuzzer
# when linking, which brings libFuzzer's main().
if(HOTRELOAD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "HOTRELOAD_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
