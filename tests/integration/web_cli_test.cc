// The platform's commands through the binary: `dokja serve --create-admin`,
// `dokja invite`, `dokja serve` (log-in over HTTP, graceful exit on SIGTERM)
// and `dokja backup`.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "run_command.h"

namespace {

namespace fs = std::filesystem;
using dokja::testing::RunCommand;
using dokja::testing::RunResult;

const std::string kDokja = DOKJA_BINARY;

class WebCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "dokja_web_cli_" + std::to_string(getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_ = "sqlite:" + dir_ + "/eval.db";
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Dokja(const std::string& args, const std::string& env = "") {
    return RunCommand(env + " " + kDokja + " " + args);
  }

  std::string dir_;
  std::string store_;
};

TEST_F(WebCli, CreateAdminInviteServeAndBackup) {
  RunResult admin = Dokja("serve --store " + store_ + " --create-admin root",
                          "DOKJA_ADMIN_PASSWORD='a long admin passphrase'");
  ASSERT_EQ(admin.exit_code, 0) << admin.out;
  EXPECT_NE(admin.out.find("created admin 'root'"), std::string::npos);
  RunResult again = Dokja("serve --store " + store_ + " --create-admin root",
                          "DOKJA_ADMIN_PASSWORD='a long admin passphrase'");
  EXPECT_EQ(again.exit_code, 3) << again.out;
  RunResult weak = RunCommand("echo short | " + kDokja + " serve --store " + store_ +
                              " --create-admin other");
  EXPECT_EQ(weak.exit_code, 3) << weak.out;
  EXPECT_NE(weak.out.find("password"), std::string::npos);

  RunResult invite = RunCommand(kDokja + " invite --store " + store_ +
                                    " --role expert --base-url http://eval.example/",
                                false);
  ASSERT_EQ(invite.exit_code, 0) << invite.out;
  std::smatch m;
  const std::regex link(R"(^http://eval\.example/#/invite/([0-9a-f]{64})\n$)");
  ASSERT_TRUE(std::regex_match(invite.out, m, link)) << invite.out;
  const std::string token = m[1].str();
  EXPECT_EQ(Dokja("invite --store " + store_ + " --role emperor").exit_code, 3);
  EXPECT_EQ(Dokja("invite --store " + store_ + " --role team --team 5").exit_code, 4);

  // Serve on a free port, sign in, peek at the invitation, then SIGTERM.
  const std::string log = dir_ + "/serve.log";
  pid_t pid = fork();
  if (pid == 0) {
    freopen(log.c_str(), "w", stdout);
    execl(kDokja.c_str(), kDokja.c_str(), "serve", "--store", store_.c_str(), "--listen",
          "127.0.0.1:0", "--quiet", static_cast<char*>(nullptr));
    _exit(127);
  }
  int port = 0;
  const std::regex listening(R"(http://127\.0\.0\.1:([0-9]+)/)");
  for (int i = 0; i < 500 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream in(log);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    std::smatch found;
    if (std::regex_search(text, found, listening)) port = std::stoi(found[1].str());
  }
  ASSERT_GT(port, 0) << "dokja serve never printed its URL";
  httplib::Client client("127.0.0.1", port);
  auto login = client.Post("/api/login", {{"X-Requested-With", "dokja"}},
                           R"({"username":"root","password":"a long admin passphrase"})",
                           "application/json");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200) << login->body;
  auto peek = client.Get(("/api/invitations/" + token).c_str());
  ASSERT_TRUE(peek);
  EXPECT_EQ(peek->status, 200);
  EXPECT_EQ(nlohmann::json::parse(peek->body)["role"], "expert");
  client.stop();
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  RunResult backup = RunCommand(kDokja + " backup --store " + store_ + " -o " + dir_ +
                                    "/copy.db --json",
                                false);
  ASSERT_EQ(backup.exit_code, 0) << backup.out;
  const auto report = nlohmann::json::parse(backup.out);
  EXPECT_EQ(report["accounts"], 1);
  EXPECT_EQ(report["verified"], true);
  EXPECT_EQ(Dokja("backup --store " + store_ + " -o " + dir_ + "/copy.db").exit_code, 3);
  EXPECT_EQ(Dokja("backup --store postgresql://x/y -o " + dir_ + "/pg.db").exit_code, 3);
  // The copy serves as a store: the admin can create another invitation from it.
  EXPECT_EQ(Dokja("invite --store sqlite:" + dir_ + "/copy.db --role user").exit_code, 0);
}

TEST_F(WebCli, ServeRefusesABadListenAddress) {
  RunResult r = Dokja("serve --store " + store_ + " --listen nonsense");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("--listen"), std::string::npos);
}

}  // namespace
