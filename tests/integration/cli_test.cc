// Runs the real dokja binary and checks its output and exit codes.
#include <gtest/gtest.h>

#include "run_command.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/wait.h>

namespace {

using dokja::testing::RunResult;

RunResult RunDokja(const std::string& args) {
  return dokja::testing::RunCommand(std::string(DOKJA_BINARY) + " " + args);
}

const std::string kModel = std::string(DOKJA_SOURCE_DIR) + "/models/stories260K";

TEST(Cli, HelpWorksForTheAppAndEverySubcommand) {
  RunResult top = RunDokja("--help");
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("inspect"), std::string::npos);
  RunResult sub = RunDokja("inspect --help");
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_NE(sub.out.find("--json"), std::string::npos);
}

TEST(Cli, UnknownSubcommandIsAUsageError) {
  EXPECT_EQ(RunDokja("frobnicate").exit_code, 2);
  EXPECT_EQ(RunDokja("").exit_code, 2);
}

TEST(Cli, InspectJsonOfTheBundledGguf) {
  RunResult r = RunDokja("inspect --json " + kModel + "/stories260K.gguf");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "gguf");
  EXPECT_EQ(j["architecture"]["n_layers"], 5);
  EXPECT_EQ(j["architecture"]["d_model"], 64);
  EXPECT_EQ(j["architecture"]["n_kv_heads"], 4);
  EXPECT_EQ(j["unknown_tensors"].size(), 0u);
  // 512*64 embedding and its copy as output.weight (llama.cpp writes tied heads out)
  // + 5 layers * (2 norms of 64 + q,o 64*64 + k,v 32*64 + 3 * 64*172) + final norm 64.
  const uint64_t expected =
      2 * 512 * 64 + 5 * (2 * 64 + 2 * 64 * 64 + 2 * 32 * 64 + 3 * 64 * 172) + 64;
  EXPECT_EQ(j["totals"]["parameters"], expected);
}

TEST(Cli, InspectHumanOutputNamesComponentsAndArchitecture) {
  RunResult r = RunDokja("inspect --tensors " + kModel + "/hf");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("LlamaForCausalLM"), std::string::npos);
  EXPECT_NE(r.out.find("text.blk.4.ffn_down.weight"), std::string::npos);
  EXPECT_NE(r.out.find("model.layers.4.mlp.down_proj.weight"), std::string::npos);
}

TEST(Cli, InspectScanReportsStatistics) {
  RunResult r = RunDokja("inspect --scan --json " + kModel + "/hf/model.safetensors");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  for (const auto& t : j["tensors"]) {
    EXPECT_EQ(t["stats"]["n_nan"], 0) << t["name"];
    EXPECT_LE(t["stats"]["min"].get<double>(), t["stats"]["max"].get<double>());
  }
}

TEST(Cli, MissingPathExitsWithNotFound) {
  RunResult r = RunDokja("inspect /definitely/not/here.gguf");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.out.find("/definitely/not/here.gguf"), std::string::npos);
}

TEST(Cli, CorruptFileExitsWithBadInputAndNamesTheFile) {
  const std::string path = ::testing::TempDir() + "dokja_cli_corrupt.safetensors";
  std::ofstream(path, std::ios::binary) << std::string("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10);
  RunResult r = RunDokja("inspect " + path);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find(path), std::string::npos) << r.out;
  std::remove(path.c_str());
}

}  // namespace
