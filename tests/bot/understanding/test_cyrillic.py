"""The Cyrillic reading of Russian or Ukrainian typed in Latin letters (cyrtranslit's table)."""

from __future__ import annotations

from bot.understanding.cyrillic import cyrillic_reading
from bot.understanding.wording import normalize


def test_a_latin_message_is_read_in_cyrillic() -> None:
    assert cyrillic_reading(normalize("Muzh b'yet menya, pomogite")) == "муж бьет меня, помогите"


def test_only_latin_messages_get_a_reading() -> None:
    assert cyrillic_reading(normalize("Муж бьёт меня")) is None
    assert cyrillic_reading(normalize("زوجي يضربني")) is None
    assert cyrillic_reading("") is None
