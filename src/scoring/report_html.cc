// StageReportHtml: one page, tables plus inline SVG charts.
#include <algorithm>
#include <cstdio>

#include "scoring/report.h"

namespace dokja::scoring {
namespace {

std::string Esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string F(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

// Bilingual label text, escaped.
struct Labels {
  ReportLang lang;
  std::string operator()(const std::string& en, const std::string& ko) const {
    switch (lang) {
      case ReportLang::kEnglish: return Esc(en);
      case ReportLang::kKorean: return Esc(ko);
      case ReportLang::kBoth: return Esc(en) + " <span class=\"ko\">" + Esc(ko) + "</span>";
    }
    return Esc(en);
  }
};

const char* kStyle = R"(<style>
body{font-family:system-ui,"Noto Sans KR",sans-serif;margin:2em;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f2f2f2}td.l,th.l{text-align:left}.ko{color:#555;font-size:.9em}
.badge{padding:1px 6px;border-radius:4px;color:#fff;font-size:.85em}
.advance{background:#2e7d32}.eliminated_gate{background:#b71c1c}.eliminated_score{background:#ef6c00}
.warn{color:#b71c1c}.mono{font-family:monospace;font-size:.85em}
</style>)";

const char* kColours[] = {"#1565c0", "#2e7d32", "#ef6c00"};

std::string StackedBars(const StageOutcome& o) {
  const int row = 28, left = 140, width = 600, top = 30;
  const int height = top + row * static_cast<int>(o.teams.size()) + 30;
  std::string s = "<svg id=\"score-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  std::to_string(left + width + 80) + "\" height=\"" + std::to_string(height) + "\">";
  const char* names[] = {"benchmark", "expert", "user"};
  for (int k = 0; k < 3; ++k) {
    s += "<rect x=\"" + std::to_string(left + k * 120) + "\" y=\"5\" width=\"12\" height=\"12\" fill=\"" +
         kColours[k] + "\"/><text x=\"" + std::to_string(left + k * 120 + 16) + "\" y=\"16\" font-size=\"12\">" +
         names[k] + "</text>";
  }
  for (size_t i = 0; i < o.teams.size(); ++i) {
    const TeamOutcome& t = o.teams[i];
    const int y = top + static_cast<int>(i) * row;
    s += "<text x=\"" + std::to_string(left - 6) + "\" y=\"" + std::to_string(y + 16) +
         "\" font-size=\"13\" text-anchor=\"end\">" + Esc(t.team) + "</text>";
    double x = left;
    const double parts[] = {t.benchmark, t.expert, t.user};
    for (int k = 0; k < 3; ++k) {
      const double w = parts[k] / 100.0 * width;
      s += "<rect x=\"" + F(x, 1) + "\" y=\"" + std::to_string(y) + "\" width=\"" + F(w, 1) +
           "\" height=\"20\" fill=\"" + kColours[k] + "\"><title>" + names[k] + " " + F(parts[k]) + "</title></rect>";
      x += w;
    }
    s += "<text x=\"" + F(x + 4, 1) + "\" y=\"" + std::to_string(y + 15) + "\" font-size=\"12\">" + F(t.total) +
         "</text>";
  }
  return s + "</svg>";
}

// Point estimates with interval whiskers on [lo, hi].
struct CiRow {
  std::string team;
  double value;
  Interval ci;
};
std::string CiChart(const std::string& id, const std::vector<CiRow>& rows, double lo, double hi) {
  const int row = 24, left = 140, width = 500, top = 10;
  const int height = top + row * static_cast<int>(rows.size()) + 24;
  auto X = [&](double v) { return left + (std::clamp(v, lo, hi) - lo) / (hi - lo) * width; };
  std::string s = "<svg id=\"" + id + "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  std::to_string(left + width + 40) + "\" height=\"" + std::to_string(height) + "\">";
  for (size_t i = 0; i < rows.size(); ++i) {
    const int y = top + static_cast<int>(i) * row + 10;
    s += "<text x=\"" + std::to_string(left - 6) + "\" y=\"" + std::to_string(y + 4) +
         "\" font-size=\"12\" text-anchor=\"end\">" + Esc(rows[i].team) + "</text>";
    s += "<line x1=\"" + F(X(rows[i].ci.lo), 1) + "\" x2=\"" + F(X(rows[i].ci.hi), 1) + "\" y1=\"" +
         std::to_string(y) + "\" y2=\"" + std::to_string(y) + "\" stroke=\"#555\" stroke-width=\"2\"/>";
    s += "<circle cx=\"" + F(X(rows[i].value), 1) + "\" cy=\"" + std::to_string(y) + "\" r=\"4\" fill=\"#1565c0\"><title>" +
         F(rows[i].value, 3) + " [" + F(rows[i].ci.lo, 3) + ", " + F(rows[i].ci.hi, 3) + "]</title></circle>";
  }
  const int axis_y = top + row * static_cast<int>(rows.size()) + 4;
  s += "<line x1=\"" + std::to_string(left) + "\" x2=\"" + std::to_string(left + width) + "\" y1=\"" +
       std::to_string(axis_y) + "\" y2=\"" + std::to_string(axis_y) + "\" stroke=\"#999\"/>";
  for (int k = 0; k <= 4; ++k) {
    const double v = lo + (hi - lo) * k / 4.0;
    s += "<text x=\"" + F(X(v), 1) + "\" y=\"" + std::to_string(axis_y + 14) +
         "\" font-size=\"10\" text-anchor=\"middle\">" + F(v, 2) + "</text>";
  }
  return s + "</svg>";
}

std::string RankingTable(const StageOutcome& o, const Labels& L) {
  std::string s = "<table id=\"ranking\"><tr><th>" + L("Rank", "순위") + "</th><th class=\"l\">" + L("Team", "팀") +
                  "</th><th>" + L("Benchmark", "벤치마크") + "</th><th>" + L("Expert", "전문가") + "</th><th>" +
                  L("User", "사용자") + "</th><th>" + L("Total", "총점") + "</th><th>" + L("Gate", "독자성") +
                  "</th><th class=\"l\">" + L("Decision", "결과") + "</th></tr>";
  for (const auto& t : o.teams) {
    const std::string d(DecisionName(t.decision));
    const std::string reason = L.lang == ReportLang::kKorean ? Esc(t.reason_ko)
                               : L.lang == ReportLang::kEnglish ? Esc(t.reason)
                               : Esc(t.reason) + "<br><span class=\"ko\">" + Esc(t.reason_ko) + "</span>";
    s += "<tr><td>" + std::to_string(t.rank) + "</td><td class=\"l\">" + Esc(t.team) + (t.illustrative ? " *" : "") +
         (t.tie_note.empty() ? "" : "<br><span class=\"ko\">" + Esc(t.tie_note) + "</span>") + "</td><td>" +
         F(t.benchmark) + "</td><td>" + F(t.expert) + "</td><td>" + F(t.user) + "</td><td><b>" + F(t.total) +
         "</b></td><td>" + (t.gate_pass ? L("pass", "통과") : "<span class=\"warn\">" + L("fail", "미충족") + "</span>") +
         "</td><td class=\"l\"><span class=\"badge " + d + "\">" + d + "</span> " + reason + "</td></tr>";
  }
  s += "<tr><td></td><td class=\"l\">" + L("Mean", "평균") + "</td><td>" + F(o.mean_benchmark) + "</td><td>" +
       F(o.mean_expert) + "</td><td>" + F(o.mean_user) + "</td><td>" + F(o.mean_total) + "</td><td></td><td></td></tr>";
  return s + "</table>";
}

std::string TeamsTable(const StageOutcome& o, const Labels& L) {
  std::string s = "<h2>" + L("Teams", "참여 팀") + "</h2><table id=\"teams\"><tr><th class=\"l\">" + L("Team", "팀") +
                  "</th><th class=\"l\">" + L("Consortium", "컨소시엄") + "</th><th class=\"l\">" +
                  L("Submitted model", "제출 모델") + "</th></tr>";
  for (const auto& t : o.teams) {
    std::string members;
    for (const auto& m : t.members) members += (members.empty() ? "" : ", ") + Esc(m);
    s += "<tr><td class=\"l\">" + Esc(t.team) + "</td><td class=\"l\">" + members + "</td><td class=\"l mono\">" +
         Esc(t.submitted_model) + "</td></tr>";
  }
  return s + "</table>";
}

std::string PartsTable(const std::string& id, const StageOutcome& o, bool expert, const Labels& L) {
  if (o.teams.empty()) return "";
  const auto& first = expert ? o.teams.front().expert_parts : o.teams.front().benchmark_parts;
  std::string s = "<table id=\"" + id + "\"><tr><th class=\"l\">" + L("Team", "팀") + "</th>";
  for (const auto& p : first) s += "<th>" + Esc(p.id) + " (" + F(p.max, 0) + ")</th>";
  s += expert ? "<th>" + L("Experts counted", "반영 전문가 수") + "</th></tr>" : "</tr>";
  for (const auto& t : o.teams) {
    s += "<tr><td class=\"l\">" + Esc(t.team) + "</td>";
    for (const auto& p : expert ? t.expert_parts : t.benchmark_parts) s += "<td>" + F(p.points) + "</td>";
    s += expert ? "<td>" + std::to_string(t.n_experts) + "</td></tr>" : "</tr>";
  }
  return s + "</table>";
}

std::string ExpertSection(const StageOutcome& o, const Labels& L) {
  std::string s = "<h2>" + L("Expert evaluation", "전문가 평가") + "</h2>" + PartsTable("expert-parts", o, true, L);
  s += "<h3>" + L("Conflict-of-interest exclusions", "이해충돌 제외") + "</h3><table id=\"coi\"><tr><th class=\"l\">" +
       L("Expert", "전문가") + "</th><th class=\"l\">" + L("Team", "팀") + "</th><th class=\"l\">" +
       L("Shared organisation", "공통 소속") + "</th><th>" + L("Scores dropped", "제외 점수") + "</th></tr>";
  for (const auto& x : o.exclusions) {
    s += "<tr><td class=\"l\">" + Esc(x.expert) + "</td><td class=\"l\">" + Esc(x.team) + "</td><td class=\"l\">" +
         Esc(x.organisation) + "</td><td>" + std::to_string(x.scores_dropped) + "</td></tr>";
  }
  s += "</table><h3>" + L("Inter-rater agreement (Krippendorff's alpha, interval)", "평가자 간 일치도 (크리펜도르프 알파)") +
       "</h3><table id=\"alpha\"><tr><th class=\"l\">" + L("Criterion", "항목") + "</th><th>alpha</th><th>" +
       L("Units", "단위") + "</th><th>" + L("Values", "값") + "</th></tr>";
  for (const auto& a : o.alphas) {
    s += "<tr><td class=\"l\">" + Esc(a.criterion) + "</td><td" + (a.warn ? " class=\"warn\"" : "") + ">" +
         (a.result.alpha ? F(*a.result.alpha, 3) : std::string("n/a")) + "</td><td>" +
         std::to_string(a.result.n_units) + "</td><td>" + std::to_string(a.result.n_values) + "</td></tr>";
  }
  return s + "</table>";
}

std::string UserSection(const StageOutcome& o, const Labels& L) {
  std::string s = "<h2>" + L("User evaluation", "사용자 평가") + "</h2><table id=\"users\"><tr><th class=\"l\">" +
                  L("Team", "팀") + "</th><th>" + L("Users", "평가자") + "</th><th>" + L("Mean score", "평균 점수") +
                  "</th><th>95% CI</th><th>" + L("Battles", "대결") + "</th><th>" + L("BT win rate", "BT 기대 승률") +
                  "</th><th>95% CI</th><th>" + L("Points", "점수") + "</th><th>95% CI</th></tr>";
  std::vector<CiRow> means, rates;
  double hi = 0;
  for (const auto& t : o.teams) {
    const UserStats& u = t.user_stats;
    s += "<tr><td class=\"l\">" + Esc(t.team) + "</td><td>" + std::to_string(u.n_users) + "</td><td>" + F(u.mean) +
         "</td><td>[" + F(u.mean_ci.lo) + ", " + F(u.mean_ci.hi) + "]</td><td>" + std::to_string(u.n_battles) +
         "</td><td>" + F(u.bt_win_rate, 3) + "</td><td>[" + F(u.bt_win_rate_ci.lo, 3) + ", " +
         F(u.bt_win_rate_ci.hi, 3) + "]</td><td>" + F(t.user) + "</td><td>[" + F(u.points_ci.lo) + ", " +
         F(u.points_ci.hi) + "]</td></tr>";
    means.push_back({t.team, u.mean, u.mean_ci});
    rates.push_back({t.team, u.bt_win_rate, u.bt_win_rate_ci});
    hi = std::max(hi, u.mean_ci.hi);
  }
  s += "</table><p>" + L("Share of the user points: direct scores " + F(o.user_scores_weight * 100, 0) +
                         "%, blind battles " + F(o.user_battles_weight * 100, 0) + "%.",
                         "사용자 점수 반영 비율: 직접 평가 " + F(o.user_scores_weight * 100, 0) + "%, 블라인드 대결 " +
                             F(o.user_battles_weight * 100, 0) + "%.") + "</p>";
  s += "<h3>" + L("Mean user score with bootstrap interval", "사용자 평균 점수와 부트스트랩 구간") + "</h3>" +
       CiChart("user-ci", means, 0, hi > 0 ? hi * 1.1 : 1);
  s += "<h3>" + L("Bradley-Terry expected win rate (blind battles)", "브래들리-테리 기대 승률 (블라인드 대결)") + "</h3>" +
       CiChart("bt-ci", rates, 0, 1);
  return s;
}

std::string GateSection(const StageOutcome& o, const Labels& L) {
  std::string s = "<h2>" + L("Originality gate", "독자성 검증") + "</h2><table id=\"gate\"><tr><th class=\"l\">" +
                  L("Team", "팀") + "</th><th class=\"l\">" + L("Audit (SHA-256)", "감사 보고서 (SHA-256)") +
                  "</th><th class=\"l\">" + L("Evidence", "근거") + "</th></tr>";
  for (const auto& t : o.teams) {
    std::string ev;
    for (const auto& e : t.gate_evidence) {
      ev += "<b>" + Esc(e.rule) + "</b>: " + Esc(e.component) + " <span class=\"badge eliminated_gate\">" +
            Esc(e.verdict) + "</span> " + Esc(e.reference) + " (log10 p " + F(e.log10_p, 1) + ") " + Esc(e.reason) +
            "<br>";
    }
    if (ev.empty()) ev = L("no finding fired a gate rule", "해당 규칙 위반 없음");
    s += "<tr><td class=\"l\">" + Esc(t.team) + "</td><td class=\"l mono\">" + Esc(t.audit_path) + "<br>" +
         Esc(t.audit_sha256) + "</td><td class=\"l\">" + ev + "</td></tr>";
  }
  return s + "</table>";
}

std::string InputsSection(const StageOutcome& o, const Labels& L) {
  std::string s = "<h2>" + L("Inputs", "입력 파일") + "</h2><table id=\"inputs\"><tr><th class=\"l\">" +
                  L("Role", "역할") + "</th><th class=\"l\">" + L("Path", "경로") + "</th><th class=\"l\">SHA-256</th></tr>";
  for (const auto& f : o.inputs) {
    s += "<tr><td class=\"l\">" + Esc(f.role) + "</td><td class=\"l mono\">" + Esc(f.path) +
         "</td><td class=\"l mono\">" + Esc(f.sha256) + "</td></tr>";
  }
  s += "</table>";
  if (!o.warnings.empty()) {
    s += "<h2>" + L("Warnings", "경고") + "</h2><ul id=\"warnings\">";
    for (const auto& w : o.warnings) s += "<li class=\"warn\">" + Esc(w) + "</li>";
    s += "</ul>";
  }
  return s;
}

}  // namespace

std::string StageReportHtml(const StageOutcome& o, ReportLang lang) {
  const Labels L{lang};
  const std::string html_lang = lang == ReportLang::kKorean ? "ko" : "en";
  std::string s = "<!DOCTYPE html>\n<html lang=\"" + html_lang + "\"><head><meta charset=\"utf-8\"><title>" +
                  Esc(o.title) + "</title>" + kStyle + "</head><body>";
  s += "<h1>" + L(o.title, o.title_ko) + "</h1><p>" + L("Stage", "단계") + ": <b>" + Esc(o.stage_id) + "</b>. " +
       L("Points: benchmark 40, expert 35, user 25; the originality gate applies on top.",
         "배점: 벤치마크 40, 전문가 35, 사용자 25; 독자성 기준은 별도 적용.") + "</p>";
  bool any_illustrative = false;
  for (const auto& t : o.teams) any_illustrative |= t.illustrative;
  if (any_illustrative) {
    s += "<p>* " + L("illustrative figures (not published)", "예시 수치 (미공개)") + "</p>";
  }
  s += "<h2>" + L("Ranking and decision", "순위 및 결정") + "</h2>" + RankingTable(o, L) + StackedBars(o);
  s += "<h2>" + L("Benchmarks", "벤치마크") + "</h2>" + PartsTable("bench-parts", o, false, L);
  s += ExpertSection(o, L) + UserSection(o, L) + GateSection(o, L) + TeamsTable(o, L) + InputsSection(o, L);
  return s + "</body></html>\n";
}

}  // namespace dokja::scoring
