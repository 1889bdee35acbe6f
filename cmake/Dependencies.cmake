# Every third-party dependency is looked up here, from Debian's packages
# (scripts/setup.sh installs them).
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
if(DOKJA_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
