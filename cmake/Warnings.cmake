# Warnings for our own targets: dokja_set_warnings(target).
function(dokja_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wnon-virtual-dtor
                         -Wimplicit-fallthrough)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # clang's spelling of GCC's -Wshadow=local, plus lock annotations.
    target_compile_options(${target} PRIVATE -Wshadow-uncaptured-local -Wthread-safety)
  else()
    target_compile_options(${target} PRIVATE -Wshadow=local)
  endif()
  if(DOKJA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
