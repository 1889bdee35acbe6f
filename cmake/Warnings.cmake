# Warnings for our own targets: dokja_set_warnings(target).
function(dokja_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                         -Wnon-virtual-dtor -Wimplicit-fallthrough)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE -Wthread-safety)
  endif()
  if(DOKJA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
