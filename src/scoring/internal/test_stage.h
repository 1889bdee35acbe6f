// Test helper: writes a small stage (config plus input files) into a fresh
// temporary folder, so each test states only what it varies.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace dokja::scoring::testing {

struct TestStage {
  std::string dir;
  std::map<std::string, std::string> files = {
      {"stage.yaml", R"(stage: t
title: test stage
teams:
  - {name: A, members: [OrgA], submitted_model: a/m}
  - {name: B, members: [OrgB, Shared Univ], submitted_model: b/m}
  - {name: C, members: [OrgC], submitted_model: c/m}
criteria:
  benchmark: {points: 40, groups: [{id: all, points: 40}]}
  expert:
    points: 35
    criteria: [{id: q, points: 35, scale_max: 10}]
    normalisation: NORM
    trim_fraction: 0.2
  user: {points: 25, scores_mapping: {kind: relative_to_best}, bootstrap_rounds: 1000, seed: SEED}
advance: {count: 2}
tie_breaks: [expert]
inputs: {bench_points: bench.json, expert_roster: roster.csv, expert_scores: scores.csv, user_scores: users.csv}
)"},
      {"bench.json", R"({"teams": {"A": {"groups": {"all": {"points": 30, "max": 40}}, "total": 30},
                                  "B": {"groups": {"all": {"points": 20, "max": 40}}, "total": 20},
                                  "C": {"groups": {"all": {"points": 10, "max": 40}}, "total": 10}}})"},
      {"roster.csv", "expert,affiliation\nX,Indep\nY,Indep\nZ,shared univ\n"},
      {"scores.csv", "expert,team,criterion,score\nX,A,q,8\nX,B,q,6\nX,C,q,4\nY,A,q,8\nY,B,q,6\nY,C,q,4\n"
                     "Z,A,q,8\nZ,B,q,10\nZ,C,q,4\n"},
      {"users.csv", "user,team,task,score\nu1,A,t,80\nu1,B,t,60\nu1,C,t,40\nu2,A,t,100\nu2,B,t,80\nu2,C,t,40\n"},
  };

  // Replaces `from` with `to` in the config text.
  void Set(const std::string& from, const std::string& to) {
    std::string& c = files["stage.yaml"];
    c.replace(c.find(from), from.size(), to);
  }

  // Writes everything (NORM -> raw, SEED -> 7 unless set) and returns the config path.
  std::string Write(const std::string& name) {
    dir = ::testing::TempDir() + "dokja_stage_" + name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::string& c = files["stage.yaml"];
    if (c.find("NORM") != std::string::npos) Set("NORM", "raw");
    if (c.find("SEED") != std::string::npos) Set("SEED", "7");
    for (const auto& [file, text] : files) std::ofstream(dir + "/" + file, std::ios::binary) << text;
    return dir + "/stage.yaml";
  }
};

}  // namespace dokja::scoring::testing
