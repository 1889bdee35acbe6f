#!/usr/bin/env python3
"""Writes the illustrative raw inputs of examples/stage1 (deterministic).

The leader's figures and the five-team means are the published ones; every
other team's figures are illustrative, chosen to be consistent with the
published means, ranks and outcomes. The generator fixes per-team *sums* of
raw scores; dokja computes every point from the raw rows.
Run from anywhere: python3 examples/stage1/make_inputs.py
"""
import csv
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TEAMS = ["team-a", "team-b", "team-c", "team-d", "team-e"]
MODELS = {t: f"{t}/omni-1" for t in TEAMS}

# Benchmark points per group (agency 10, global 20, team_chosen 10).
BENCH = {
    "team-a": (9.2, 14.4, 10.0),  # published: 33.6
    "team-b": (8.6, 13.8, 8.6),
    "team-c": (8.4, 13.4, 8.4),
    "team-d": (8.2, 13.6, 8.2),
    "team-e": (7.6, 12.0, 7.6),
}
# Expert target means on a 0..10 scale for report (15 pts), logs (10), plan (10).
EXPERT = {
    "team-a": (9.2, 9.0, 8.8),  # 13.8 + 9.0 + 8.8 = 31.6 (published)
    "team-b": (8.4, 8.4, 8.4),
    "team-c": (8.0, 8.2, 7.8),
    "team-d": (8.0, 8.0, 7.6),
    "team-e": (7.6, 7.4, 7.4),
}
CRITERIA = ["technical_report", "training_logs", "development_plan"]
EXPERTS = [f"X{i:02d}" for i in range(1, 11)]
AFFILIATION = {
    "X01": "Seoul Institute of Technology", "X02": "Busan National University",
    "X03": "Korea Standards Agency", "X04": "Gwangju AI Centre",
    "X05": "Incheon University", "X06": "Daejeon Research Institute",
    "X07": "Hanbit University",  # a member of team-d's consortium
    "X08": "Ulsan Institute of Science", "X09": "Jeju Data Lab; Seoul Law School",
    "X10": "Korea Information Society Agency",
}
COI = {("X07", "team-d")}
# User score sums over 49 users x 3 tasks (0..100). With points = 25 * mean /
# best mean these give 25.0, 22.0, 21.2, 19.6, 16.0 (mean 20.76).
USER_SUMS = {"team-a": 13250, "team-b": 11660, "team-c": 11236, "team-d": 10388, "team-e": 8480}
USERS = [f"U{i:02d}" for i in range(1, 50)]
TASKS = ["documents", "coding", "public_service"]


def spread(rng, n, total, step, lo, hi, jitter=4):
    """n values on a `step` grid in [lo, hi] summing exactly to `total`."""
    units = round(total / step)
    base = [units // n] * n
    for i in range(units - sum(base)):
        base[i] += 1
    for _ in range(jitter * n):  # zero-sum jitter keeps the sum
        i, j = rng.randrange(n), rng.randrange(n)
        d = rng.choice([1, 2, 3])
        if i != j and (base[i] + d) * step <= hi and (base[j] - d) * step >= lo:
            base[i] += d
            base[j] -= d
    rng.shuffle(base)
    return [round(b * step, 10) for b in base]


def fmt(x):
    return f"{x:.1f}" if abs(x - round(x)) > 1e-9 else str(int(round(x)))


def write_bench():
    groups = ("agency", "global", "team_chosen")
    maxes = (10, 20, 10)
    out = {"teams": {}}
    for t, pts in BENCH.items():
        out["teams"][t] = {
            "groups": {g: {"points": p, "max": m} for g, p, m in zip(groups, pts, maxes)},
            "total": round(sum(pts), 10),
            "max": 40,
            "benchmarks": [],
        }
    with open(os.path.join(HERE, "bench_points.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")


def write_experts(rng):
    with open(os.path.join(HERE, "expert_roster.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["expert", "affiliation"])
        for e in EXPERTS:
            w.writerow([e, AFFILIATION[e]])
    rows = []
    for t in TEAMS:
        scorers = [e for e in EXPERTS if (e, t) not in COI]
        for c, mean in zip(CRITERIA, EXPERT[t]):
            values = spread(rng, len(scorers), mean * len(scorers), 0.1, 0, 10, jitter=1)
            rows += [(e, t, c, v) for e, v in zip(scorers, values)]
            for e in EXPERTS:
                if (e, t) in COI:  # a conflicted expert's (generous) scores: excluded by dokja
                    rows.append((e, t, c, 10))
    rows.sort(key=lambda r: (r[0], r[1], CRITERIA.index(r[2])))
    with open(os.path.join(HERE, "expert_scores.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["expert", "team", "criterion", "score"])
        for e, t, c, v in rows:
            w.writerow([e, t, c, fmt(v)])


def write_users(rng):
    with open(os.path.join(HERE, "user_scores.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["user", "team", "task", "score"])
        cells = {t: spread(rng, len(USERS) * len(TASKS), USER_SUMS[t], 1, 0, 100) for t in TEAMS}
        for ui, u in enumerate(USERS):
            for t in TEAMS:
                for ti, task in enumerate(TASKS):
                    w.writerow([u, t, task, fmt(cells[t][ui * len(TASKS) + ti])])


def write_battles(rng):
    strength = {"team-a": 2.4, "team-b": 1.5, "team-c": 1.3, "team-d": 1.0, "team-e": 0.55}
    with open(os.path.join(HERE, "battles.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["user", "model_a", "model_b", "outcome"])
        for u in USERS:
            for _ in range(8):
                a, b = rng.sample(TEAMS, 2)
                r = rng.random()
                if r < 0.08:
                    outcome = "tie"
                elif r < 0.12:
                    outcome = "both_bad"
                else:
                    p = strength[a] / (strength[a] + strength[b])
                    outcome = "a" if rng.random() < p else "b"
                w.writerow([u, MODELS[a], MODELS[b], outcome])


def finding(component, verdict, reference, log10_p, reason):
    return {"component": component, "verdict": verdict, "reference": reference,
            "log10_p": log10_p, "reason": reason}


def write_audits():
    refs = ["refs/public-llm-7b", "refs/public-vit-encoder", "refs/team-b/earlier-13b"]
    original = "no significant relation to any reference"
    for t in TEAMS:
        findings = [finding("text", "ORIGINAL", "", -0.4, original),
                    finding("token_embd", "ORIGINAL", "", -0.2, original),
                    finding("vision[visual]", "ORIGINAL", "", -0.3, original)]
        if t == "team-c":
            findings[2] = finding("vision[visual]", "COPIED", "refs/public-vit-encoder", -1693.2,
                                  "every tensor is identical in value to the reference's (frozen public encoder)")
        if t == "team-b":  # derived from the team's own earlier model: allowed
            findings[0] = finding("text", "DERIVED", "refs/team-b/earlier-13b", -412.7,
                                  "continued training of the reference: per-tensor correlation far above chance")
        report = {
            "candidate": MODELS[t],
            "dokja_version": "0.1.0",
            "not_original": any(f["verdict"] in ("COPIED", "DERIVED") for f in findings),
            "options": {"log10_alpha": -6, "max_sample_rows": 64, "n_references": len(refs)},
            "null": "independent models",
            "findings": findings,
            "references": [],
        }
        with open(os.path.join(HERE, "audits", f"{t}.json"), "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")


def main():
    rng = random.Random(20260115)
    write_bench()
    write_experts(rng)
    write_users(rng)
    write_battles(rng)
    write_audits()


if __name__ == "__main__":
    main()
