// Anchor translation unit for dokja_text; the parts live in tokenizer/ and chat/.
