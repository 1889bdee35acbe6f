#!/usr/bin/env python3
"""Writes the illustrative human-evaluation inputs of `dokja demo` (deterministic).

The five demo teams submit the audit's trained fixture models (see
tests/testdata/audit/README.md). Expert and user judgements cannot be produced
by a program honestly, so these are made-up example files in the formats the
stage decision reads (docs/stage.md); the benchmark points and audits are not:
`dokja demo` computes them from the models every time it runs.

Run from this folder (examples/demo/inputs): python3 make_inputs.py
"""
import csv
import random

rnd = random.Random(20261122)
TEAMS = ["haneul", "bada", "nuri", "garam", "sanmaru"]
# Latent quality per team for the made-up judgements (0..1).
QUALITY = {"haneul": 0.86, "bada": 0.80, "nuri": 0.78, "garam": 0.74, "sanmaru": 0.62}
CRITERIA = ["technical_report", "training_logs", "development_plan"]
EXPERTS = [
    ("E01", "Seoul Institute of Technology"),  # a member of haneul's consortium
    ("E02", "Busan National University"),
    ("E03", "Korea Standards Agency"),
    ("E04", "Gwangju AI Centre"),
    ("E05", "Daejeon Research Institute"),
    ("E06", "Incheon University"),
    ("E07", "Jeju Data Foundation"),
    ("E08", "Ulsan Industrial Lab"),
    ("E09", "Suwon Policy Institute"),
    ("E10", "Gangneung Language Centre"),
]
USERS = [f"U{i:02d}" for i in range(1, 25)]
TASKS = ["documents", "coding", "public_service"]


def clamp(x, lo, hi):
    return max(lo, min(hi, x))


with open("expert_roster.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["expert", "affiliation"])
    for expert, org in EXPERTS:
        w.writerow([expert, org])

with open("expert_scores.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["expert", "team", "criterion", "score"])
    for expert, _ in EXPERTS:
        leniency = rnd.gauss(0, 0.4)
        for team in TEAMS:
            for criterion in CRITERIA:
                s = 10 * QUALITY[team] + leniency + rnd.gauss(0, 0.5)
                w.writerow([expert, team, criterion, f"{clamp(s, 0, 10):.1f}"])

with open("user_scores.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["user", "team", "task", "score"])
    for user in USERS:
        for team in TEAMS:
            for task in TASKS:
                s = 100 * QUALITY[team] + rnd.gauss(0, 8)
                w.writerow([user, team, task, f"{clamp(s, 0, 100):.0f}"])

with open("battles.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["user", "model_a", "model_b", "outcome"])
    for user in USERS:
        for _ in range(10):
            a, b = rnd.sample(TEAMS, 2)
            qa, qb = QUALITY[a], QUALITY[b]
            r = rnd.random()
            if r < 0.08:
                outcome = "both_bad"
            elif r < 0.20:
                outcome = "tie"
            else:
                p_a = 1 / (1 + 10 ** (-(qa - qb) * 4))
                outcome = "a" if rnd.random() < p_a else "b"
            w.writerow([user, a, b, outcome])
