# Every third-party dependency is looked up here, from Debian's packages
# (scripts/setup.sh installs them).
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
# Password hashing (argon2id) and random tokens for the web application (src/web).
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET GLOBAL libsodium)
if(DOKJA_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
# The PostgreSQL store (src/store/postgres_store.cc): "require" semantics, so
# a missing libpqxx fails the configure instead of silently dropping the
# backend; turn DOKJA_WITH_POSTGRES off to build without it.
if(DOKJA_WITH_POSTGRES)
  pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
endif()
