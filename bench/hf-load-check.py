"""Dev check, not part of CI: does transformers load cleangpt's Hugging Face GPT-2 export unchanged and
compute the same logits?

For a model without and with biases, bench/hf-export.ts trains a small Vanilla model for a few steps,
exports it with exportHuggingFace and records cleangpt's logits for three inputs; this script loads the
export with GPT2LMHeadModel.from_pretrained and prints, as one JSON line per model, the keys transformers
reported missing or unexpected and the largest absolute logit difference. It exits non-zero when a key is
missing or unexpected or a difference exceeds 1e-4.

Setup (a throwaway virtual environment outside the repository; any recent torch and transformers):
    python3 -m venv /tmp/hfvenv
    /tmp/hfvenv/bin/pip install torch transformers safetensors
Run, after `npm run build`:
    /tmp/hfvenv/bin/python bench/hf-load-check.py
"""

import json
import pathlib
import subprocess
import sys
import tempfile

import torch
import transformers
from transformers import GPT2LMHeadModel

TOLERANCE = 1e-4
ROOT = pathlib.Path(__file__).resolve().parent.parent


def check(bias: bool) -> bool:
    with tempfile.TemporaryDirectory() as out:
        command = ["node", str(ROOT / "dist" / "bench" / "hf-export.js"), out] + (["--bias"] if bias else [])
        subprocess.run(command, check=True)
        model, info = GPT2LMHeadModel.from_pretrained(out, output_loading_info=True)
        model.eval()
        expected = json.loads(pathlib.Path(out, "expected.json").read_text())
        worst = 0.0
        for ids, logits in zip(expected["inputs"], expected["logits"]):
            with torch.no_grad():
                got = model(torch.tensor([ids])).logits[0]
            worst = max(worst, (got - torch.tensor(logits).view_as(got)).abs().max().item())
    problems = {key: info[key] for key in ("missing_keys", "unexpected_keys", "mismatched_keys") if info.get(key)}
    print(json.dumps({
        "check": "hf-load",
        "bias": bias,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "inputs": len(expected["inputs"]),
        "maxAbsLogitDiff": worst,
        "loadingProblems": problems,
    }))
    return worst <= TOLERANCE and not problems


if __name__ == "__main__":
    sys.exit(0 if all([check(False), check(True)]) else 1)
