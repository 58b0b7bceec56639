"""JiebaTokenizer that drops whitespace tokens (Rasa issue 7910).

jieba emits " " as a token between Chinese and English words ("rent能减吗 ok"); later featurizers
strip whitespace and the token counts no longer match, which breaks training and parsing.
"""

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class CleanJiebaTokenizer(JiebaTokenizer):
    """Jieba tokens without whitespace-only tokens; offsets stay those of the original text."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        text = message.get(attribute) or ""
        tokens = [
            Token(word.strip(), start + (len(word) - len(word.lstrip())))
            for word, start, _ in jieba.tokenize(text)
            if word.strip()
        ]
        if not tokens:
            tokens = [Token(text or " ", 0)]
        return self._apply_token_pattern(tokens)
