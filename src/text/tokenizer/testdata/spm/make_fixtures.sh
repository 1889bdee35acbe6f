#!/bin/sh
# Rebuilds the SentencePiece fixtures in this folder with Debian's
# sentencepiece 0.1.97 command-line tools (apt-get install sentencepiece).
# The models are byte-for-byte reproducible: spm_train embeds the input path
# and model prefix, so run it from this folder with the same arguments.
set -eu
cd "$(dirname "$0")"
INPUT=/usr/share/common-licenses/Apache-2.0

# Llama-2 style BPE: byte fallback, no normalisation, whitespace kept, digits
# split; one user-defined and one extra control piece for parse_special tests.
spm_train --input="$INPUT" --model_prefix=bpe --model_type=bpe --vocab_size=400 \
  --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false \
  --split_digits=true --user_defined_symbols='<sep>' --control_symbols='<end_of_turn>' \
  --num_threads=1 >/dev/null 2>&1

# Unigram with spm_train's whitespace defaults (runs collapsed, ends trimmed),
# no byte fallback (characters outside the vocabulary become <unk>).
spm_train --input="$INPUT" --model_prefix=unigram --model_type=unigram --vocab_size=300 \
  --normalization_rule_name=identity --num_threads=1 >/dev/null 2>&1

rm -f bpe.vocab unigram.vocab
for m in bpe unigram; do
  spm_encode --model=$m.model --output_format=id <texts.txt >$m.ids
  spm_encode --model=$m.model --output_format=piece <texts.txt >$m.pieces
  spm_decode --model=$m.model --input_format=id <$m.ids >$m.decoded
done
sha256sum "$INPUT" texts.txt bpe.model unigram.model
