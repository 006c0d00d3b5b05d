import pytest

from pipeline.numerals import cn_to_int, int_to_cn


@pytest.mark.parametrize("text,value", [
    ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十一", 21), ("一百", 100),
    ("一百零八", 108), ("一百一十", 110), ("一百二十二", 122), ("一千零二", 1002),
    ("两", 2), ("两百", 200), ("一千二百三十四", 1234), ("一〇八", 108), ("108", 108),
    ("１２", 12), ("一万零一", 10001), ("零", 0), ("一十五", 15), ("1万", 10000), ("50万", 500000),
])
def test_cn_to_int(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize("bad", ["", "条", "一a", None])
def test_cn_to_int_rejects_garbage(bad):
    with pytest.raises(ValueError):
        cn_to_int(bad)


@pytest.mark.parametrize("value,text", [
    (1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (108, "一百零八"), (110, "一百一十"),
    (1002, "一千零二"), (1010, "一千零一十"), (10001, "一万零一"),
])
def test_int_to_cn(value, text):
    assert int_to_cn(value) == text


def test_round_trip():
    for n in range(0, 3000):
        assert cn_to_int(int_to_cn(n)) == n
