"""Masking (脱敏) of personal data in published fields and free text (domain §3).

Two kinds of detectors live here:
- numbers: ID numbers (18-digit with a valid ISO 7064 mod 11-2 check digit whatever the place code,
  15-digit legacy form, masked fragments such as 3412261991****5971), mobile numbers and bank cards.
  `find_personal_data` is shared with the leak gate, so the build masks and checks the same things.
- names of natural persons: after role words (原告张三、李四; 法定代表人：王五) and tokens that
  jieba.posseg tags `nr`, except organisation and place names and the given party names.

Masking is deliberately biased towards over-masking: a lost character in free text is a small
readability cost, a leaked name is a privacy breach.
"""

from __future__ import annotations

import logging
import re
import sys
import unicodedata
from datetime import date
from functools import lru_cache
from typing import Iterable

from stdnum.cn import uscc

NATURAL_PERSON = "自然人"
INDIVIDUAL_BUSINESS = "个体工商户"
ORGANISATION = "法人及非法人组织"
PARTY_KINDS = (ORGANISATION, NATURAL_PERSON, INDIVIDUAL_BUSINESS)

# What replaces a masked number in free text; it contains no digit so it can never look like data.
NUMBER_MASK = "［已隐去］"

# Two-character surnames first: '欧阳修' must become '欧阳*', not '欧*'.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 独孤 南宫 "
    "西门 百里 呼延 澹台 公冶 太史 申屠 赫连 万俟 闻人 濮阳 淳于 单于 仲孙 东郭 宗政 拓跋 完颜 "
    "公羊 亓官 司空 左丘 梁丘 第五 谷梁 段干 巫马 乐正 壤驷 漆雕 颛孙 羊舌".split()
)
# Common single-character surnames (about 99% of the population); used to decide whether a word
# after a role word or a jieba `nr` token can be a person's name at all.
SINGLE_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯"
    "纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪"
    "简车项连芦卢麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑"
    "郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊"
    "仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿"
    "薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯"
    "元束檀衣信展阴昝智幸奉植衡富尧闭由蔚洪汲邴糜松弓牧隗宓蓬郗仰秋暴钭怀鄂咸籍赖苍莘贡逄扶堵宰郦璩濮"
    "寿郏宦鱼慎庾暨弘禄殳沃越夔厍融訾毋乜巢蒯竺甫仉督缑郈琴佴伯赏墨谯笪汝占郇丘兆贲凤竹荀"
)

# Role words after which a party or third person is named. Longest first so that 被申请人 is not
# read as 申请人 and 法定代表人 wins over 代表人.
ROLE_WORDS = sorted(
    "原告 被告 原审原告 原审被告 上诉人 被上诉人 申请人 被申请人 第三人 申请执行人 被执行人 举报人 投诉人 "
    "法定代表人 法人代表 负责人 经营者 业主 当事人 证人 委托代理人 代理人 委托人 受托人 监护人 担保人 "
    "保证人 债务人 债权人 共同被告 投资人 股东 实际控制人 联系人 户主 驾驶人 驾驶员 车主 房主 承包人 "
    "出租人 承租人 受害人 被害人 嫌疑人 违法行为人 行为人 检举人 控告人 报案人 见证人 陈述人 记录人 "
    "签收人 收件人 送达人 受送达人 继承人 配偶 村民 居民 消费者 顾客 员工 职工 工人 店员 司机 患者 "
    "家属 执法人员 工作人员 业户 商户 摊主 店主 老板 厨师 医生 教师 学生 之子 之女 妻子 丈夫 抵押人 "
    "出质人 质权人 抵押权人 借款人 贷款人 出借人 被继承人 申报人 经办人 开户人 持卡人 户名 儿子 女儿 父亲 "
    "母亲 哥哥 姐姐 弟弟 妹妹 亲属 朋友 同事".split(),
    key=len,
    reverse=True,
)
# Role words after which a name is likely but not certain: only jieba's own name guesses count.
SOFT_ROLE_WORDS = frozenset(
    "村民 居民 消费者 顾客 员工 职工 工人 店员 司机 患者 家属 执法人员 工作人员 业户 商户 摊主 店主 老板 厨师 "
    "医生 教师 学生 之子 之女 妻子 丈夫 股东 投资人 联系人 车主 房主 户主 配偶 儿子 女儿 父亲 母亲 哥哥 姐姐 "
    "弟弟 妹妹 亲属 朋友 同事".split()
)
_ROLE_SET = frozenset(ROLE_WORDS)
_ROLE_RE = re.compile("|".join(map(re.escape, ROLE_WORDS)))

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{_HAN}]")
# Between a role word and the name: colon, spaces, "为"/"系" as in "被告为张三".
_ROLE_GAP_RE = re.compile(r"[\s:：]*(?:(?:为|系|是)[\s:：]*)?")
# List separators after a name: 原告张三、李四和王五.
_LIST_SEP_RE = re.compile(r"\s*(?:、|和|及|与|以及)\s*")

# What may follow a name and therefore ends it (a name rarely contains these at that position).
_NAME_STOP_WORDS = tuple(
    "于 应 向 在 对 与 和 及 的 等 为 将 已 未 是 系 因 自 由 共 承 负 支付 归还 给付 偿付 赔偿 返还 履行 "
    "诉 称 提 申请 不 均 各 并 所 之 名 说 到 去 从 经 作 同 个 先 女 男 某 驾 持 无 涉 违 擅 私 拒 "
    "未经 取得 经营 销售 生产 使用 存在 身份 户籍 住 现 出生 年 因 与 等人 以 按 即 就 也 还 又 再 都 被 把 "
    "反映 投诉 举报 提供 证实 到场".split()
)

# Function words that cannot be the first character of a given name (陈亮于…, 应于本…).
_FIRST_CHAR_STOPS = tuple("于 应 向 在 对 与 和 及 的 等 将 已 未 是 系 因 并 均 各 所 之 说 到 把 被 按 也 又 "
                          "支付 归还 给付 偿付 赔偿 返还 履行 共同 承担 负担".split())
# Common words right after a role word that start with a surname character (当事人陈述申辩).
_NOT_A_NAME_AFTER_ROLE = tuple(
    "陈述 申辩 承认 签字 签名 签收 同意 认可 确认 提出 表示 拒绝 拒不 放弃 申请 双方 一方 共同 连带 应当 "
    "辩称 诉称 主张 要求 认为 是否 依法 自行 按照 有权 逾期 未按 如未 单位 个人 本人 户籍 住所 身份 "
    "信息 名称 姓名 名单 资格 权利 义务 责任 明确 知晓 甘愿 自愿 方面".split()
)
# Characters that start the predicate after a name and are almost never the last character of a
# given name. jieba glues them to the name (刘大未/nr 取得): masking them with the name would turn
# 刘大未取得许可 ("did not obtain") into 刘*取得许可 ("obtained").
_PREDICATE_STARTS = frozenset("未不没拒擅被把曾仍已系称并也又还均都再")
# Prepositions that are also given-name characters (志向, 于) are cut off only where what follows
# makes them prepositions: 向本局举报, 于2024年….
_PREPOSITION_THEN = re.compile(r"[于向在对从自](?:\d|本|我|该|其|市|区|县|镇|有关|上级|执法|现场|场|处罚)")
# Words after a name that jieba's name guess may swallow the first character of (戴敏陈/述申辩).
_PREDICATE_WORDS = tuple(w for w in _NAME_STOP_WORDS + _NOT_A_NAME_AFTER_ROLE if len(w) > 1)
# What a person does right after being named (举报人于燕向本局举报, 证人于波表示…): after a surname
# that is also a function word, only these (or punctuation) end a name — 负责人和安全生产… is none.
_PERSON_ACTS = tuple("反映 投诉 举报 提供 证实 到场 表示 称 声称 签收 签字 承认 拒绝 拒不 驾驶 陈述 申辩 "
                     "辩称 同意 确认 认可 要求 提出".split())
# Surnames that are mostly function words right after a soft role word (员工都已签字, 员工和…).
_ADVERB_SURNAMES = frozenset("于元应和时全国信来向都相初门由那但")

# Suffixes that end an organisation name. Place suffixes (镇, 村, 路 …) are handled separately as
# the character right after a name (李哥庄镇, 王家村), see _NON_NAME_ENDINGS.
_ORG_SUFFIXES = tuple(sorted(
    "有限责任公司 股份有限公司 有限公司 分公司 公司 集团 银行 分行 支行 商行 车行 合作社 联合社 委员会 管委会 "
    "居委会 村委会 协会 商会 学会 基金会 事务所 研究所 研究院 设计院 派出所 卫生所 诊所 卫生院 医院 学院 "
    "学校 大学 中学 小学 幼儿园 法院 检察院 人民法院 中心 工作室 经营部 门市部 营业部 服务部 商店 超市 "
    "酒店 宾馆 饭店 餐馆 餐厅 饭庄 市场 农场 林场 牧场 养殖场 加油站 旅行社 报社 厂 店 馆 社 院".split(),
    key=len, reverse=True))
_ORG_RUN_RE = re.compile(f"[{_HAN}（）()·]{{1,40}}")
_ORG_SUFFIX_RE = re.compile("|".join(map(re.escape, _ORG_SUFFIXES)))
# Words that cannot occur inside an organisation name between the role word and its suffix.
_ORG_BREAKERS = re.compile(
    "于|与|和|及|向|在|对|将|把|被|的|应|诉|称|未|无|擅自|没有|涉嫌|违反|拒|经营|销售|从事|开设|"
    # what people do, not what organisations are called (王小明反映胶州市某某有限公司…)
    "反映|举报|投诉|控告|检举|申请|起诉|声称|表示|要求|驾驶|"
    + "|".join(map(re.escape, ROLE_WORDS))
)
# jieba flags that never occur inside an organisation name (prepositions, conjunctions, adverbs,
# particles, pronouns, numerals).
_ORG_BREAK_FLAGS = ("p", "c", "d", "u", "r", "m", "q")
# Province-level names that start organisation names (and are tagged ns like some personal names).
_PROVINCES = frozenset(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 "
    "贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 中国 中华".split()
)
# Words of regulation boilerplate that jieba's HMM takes for names.
_HMM_NON_NAMES = frozenset("张挂 张贴 林木".split())
# Single-character words after a name that make it a place name (李哥庄镇, 王家村).
_PLACE_SUFFIX_TOKENS = frozenset("镇村乡庄屯堡寨街路巷区县市省湾岛港")
# Verbs and function words after a role word veto a name only when they are common words (陈述,
# 承认); rare ones (何来 in 何来旺) are more likely the start of a name. jieba dictionary frequency.
_COMMON_WORD_FREQ = 500
# Last characters that make a jieba `nr` token an ordinary word (安全法, 许可证, 高新区, 李哥庄).
_NON_NAME_ENDINGS = frozenset("法证区庄村镇路街县市省局所院站厂店司会部处科队委办港湾岛楼号室馆条款项章类品费税剂器物料书表码场厅点线屯营堡寨沟湖")
# Party names longer than this, or with an organisation suffix, are names of organisations.
_MAX_PERSON_NAME = 4

_SECRET_RE = re.compile(r"国家秘密|商业秘密|工作秘密|涉密|秘密级|机密级|绝密级|保密信息")
_NEGATION_RE = re.compile(r"(?:不|非|无|未|没有|并非)(?:涉及|属于|含有|包含|含)?$")


# --- names -------------------------------------------------------------------------------------

def _surname_length(name: str) -> int:
    """Length of the surname at the start of name (2 for 欧阳…, else 1; 0 when empty)."""
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return 2
    return 1 if name else 0


def mask_person_name(name: str | None) -> str:
    """'张三' -> '张*', '欧阳修' -> '欧阳*', '张' -> '张*', '' -> ''.

    A one-character "name" is taken to be a surname; nothing of a given name is ever kept.
    """
    if not name:
        return ""
    name = re.sub(r"\s+", "", str(name))
    if not name:
        return ""
    return name[: _surname_length(name)] + "*"


def looks_like_person_name(name: str) -> bool:
    """A short Han name starting with a known surname and carrying no organisation suffix."""
    name = name.strip()
    if not 2 <= len(name) <= _MAX_PERSON_NAME or not all(_HAN_RE.match(c) or c == "·" for c in name):
        return False
    if _ORG_SUFFIX_RE.search(name) and len(name) > 3:
        return False
    return name[:2] in COMPOUND_SURNAMES or name[0] in SINGLE_SURNAMES


@lru_cache(maxsize=1)
def _posseg():
    """Load jieba once, quietly (it logs its dictionary loading at INFO level)."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.posseg


# Surnames that are far more often function words (于本判决, 元及利息, 应于): a run of unknown
# characters is only sent to the slow HMM for them after a role word, which is handled without it.
_FUNCTION_SURNAMES = frozenset("于元应和时万方文平成全国明信来向都相初门云海安由那但")


@lru_cache(maxsize=50000)
def _hmm_cut(run: str) -> tuple[tuple[str, str], ...]:
    """posseg with its HMM over a run of unknown characters; boilerplate repeats, so cached."""
    return tuple((p.word, p.flag) for p in _posseg().cut(run))


def _tokens(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, word, flag) tokens with jieba's `nr` guesses for unknown words.

    jieba.posseg's character HMM is the slow part (≈20 µs per character); it is only needed for
    runs of characters that are not dictionary words. So cut without HMM first and run the HMM only
    on such runs when they contain a surname character — the same runs jieba itself would pass to its
    HMM, so the result matches a full `posseg.cut` for the tokens that matter here.
    """
    pseg = _posseg()
    out: list[tuple[int, int, str, str]] = []
    pos = 0
    buffer: list[tuple[str, str]] = []

    def flush() -> None:
        nonlocal pos
        run = "".join(w for w, _ in buffer)
        if len(buffer) > 1 and any(c in SINGLE_SURNAMES and c not in _FUNCTION_SURNAMES for c in run):
            pieces = _hmm_cut(run)
        else:
            pieces = buffer[:]
        for word, flag in pieces:
            out.append((pos, pos + len(word), word, flag))
            pos += len(word)
        buffer.clear()

    for pair in pseg.cut(text, HMM=False):
        if len(pair.word) == 1 and _HAN_RE.match(pair.word):
            buffer.append((pair.word, pair.flag))
            continue
        flush()
        out.append((pos, pos + len(pair.word), pair.word, pair.flag))
        pos += len(pair.word)
    flush()
    return out


def _word_freq(word: str) -> int:
    import jieba

    return jieba.dt.FREQ.get(word) or 0


def _in_dictionary(word: str) -> bool:
    """A word of jieba's dictionary (as opposed to an unknown word its HMM found)."""
    return word in _posseg().dt.word_tag_tab


def _org_span_at(text: str, start: int, tokens) -> int | None:
    """End of an organisation name starting at `start`, or None.

    The name is a Han run ending in an organisation suffix, at least four characters long (a person
    called 李园 is not a garden), with no verb, preposition or role word inside.
    """
    m = _ORG_RUN_RE.match(text, start)
    if not m:
        return None
    run = m.group()
    for sm in _ORG_SUFFIX_RE.finditer(run):
        if sm.end() < 4:
            continue
        if _ORG_BREAKERS.search(run, 1, sm.start()):
            return None
        inner = (start + 1, start + sm.start())
        # A word that starts before the suffix counts even when it swallows it: in 王小明反映该店
        # the pronoun 该店 ends the person's sentence, it does not start a shop's name.
        if any(t[3].startswith(_ORG_BREAK_FLAGS) for t in tokens if inner[0] <= t[0] < inner[1]):
            return None
        return start + sm.end()
    return None


def _single_char_run(tokens, index: int) -> str:
    """The run of single-character tokens starting at tokens[index] (what jieba's HMM would see)."""
    chars = []
    for t in tokens[index:]:
        if len(t[2]) != 1 or not _HAN_RE.match(t[2]):
            break
        chars.append(t[2])
    return "".join(chars)


def _name_ends_at(text: str, i: int) -> bool:
    """Whether a name may end at i: the text goes on there with punctuation, the end, or a word
    that follows names (称, 已, 未, 签收, 反映 …)."""
    return (i >= len(text) or not _HAN_RE.match(text[i]) or text[i] in _PREDICATE_STARTS
            or text.startswith(_NAME_STOP_WORDS, i) or text.startswith(_NOT_A_NAME_AFTER_ROLE, i))


def _name_may_end(text: str, pos: int) -> bool:
    """Whether a name may end at `pos` or one (given-name) character later."""
    return _name_ends_at(text, pos) or _name_ends_at(text, pos + 1)


def _short_name_end(text: str, pos: int) -> int | None:
    """End of a one- or two-character given name at `pos` followed by punctuation, the end of the
    text or what a person does (_PERSON_ACTS, _PREDICATE_STARTS, _PREPOSITION_THEN), or None."""
    for end in (pos + 1, pos + 2):
        if end > len(text) or not all(_HAN_RE.match(c) and c not in _PREDICATE_STARTS for c in text[pos:end]):
            return None  # 员工都已签字: no name
        if _name_surely_ends_at(text, end):
            return end
    return None


def _name_surely_ends_at(text: str, i: int) -> bool:
    """A name certainly ends at i: punctuation or the end of the text, or what a person does."""
    return (i >= len(text) or not _HAN_RE.match(text[i]) or text[i] in _PREDICATE_STARTS
            or text.startswith(_PERSON_ACTS, i) or bool(_PREPOSITION_THEN.match(text, i)))


def _soft_name_end(text: str, start: int) -> int | None:
    """After a soft role word: end of a surname plus one or two characters that is no dictionary
    word and that a name surely ends after (员工何梓娟对处罚决定…, 父亲马华林，男); None for 员工宿舍，
    学生安全, 员工共计3人, 司机王某."""
    surname = 2 if text[start:start + 2] in COMPOUND_SURNAMES else 1
    if surname == 1 and (text[start] not in SINGLE_SURNAMES or text[start] in _ADVERB_SURNAMES):
        return None
    for end in (start + surname + 1, start + surname + 2):
        name = text[start:end]
        if end > len(text) or not all(_HAN_RE.match(c) for c in name) or "某" in name:
            return None
        if _in_dictionary(name) and not _posseg().dt.word_tag_tab.get(name, "").startswith("nr"):
            continue  # a word (宿舍, 安全); the dictionary's names (李鹏, 高峰) read on
        if _name_surely_ends_at(text, end):
            return end
    return None


def _name_end_after_role(text: str, start: int, tokens, strict: bool = True) -> int | None:
    """End of a person's name starting at `start` (right after a role word), or None.

    After a strict role word (原告, 被告, 法定代表人 …) anything that starts with a surname and is
    neither an organisation nor a common word is taken for a name. After a soft one (村民, 员工,
    消费者 …) only what jieba itself takes for a name is, or a surname and one or two characters
    that are no dictionary word, followed by what ends a name for sure (_soft_name_end).
    """
    if start >= len(text) or not _HAN_RE.match(text[start]):
        return None
    if text.startswith(_NOT_A_NAME_AFTER_ROLE, start) or _org_span_at(text, start, tokens) is not None:
        return None
    if not strict:
        end = _soft_name_end(text, start)
        if end is not None:
            return end
    index = next((i for i, t in enumerate(tokens) if t[0] == start), None)
    if index is None:
        # jieba glued the role word's last character to the name (法定代表人叶立 → 人叶/立):
        # read the words after the role word on their own.
        tokens = [(s + start, e + start, w, f) for s, e, w, f in _tokens(text[start:start + 16])]
        index = 0
    word, flag = tokens[index][2], tokens[index][3]
    if len(word) == 1:
        run = _single_char_run(tokens, index)
        word, flag = _hmm_cut(run)[0] if len(run) > 1 else (word, flag)
        if flag.startswith("nr") and 2 <= len(word) <= 4:
            return start + len(word)
        if text[start] in _FUNCTION_SURNAMES and len(word) == 1:
            # 被告于本判决…, 被告应于…: a function word — unless a short name ends right there
            # (法定代表人于丹（电话…）, 举报人于燕向本局举报).
            return _short_name_end(text, start + 1)
    elif flag.startswith("nr"):
        if 3 <= len(word) <= 4:
            return start + len(word)
        if word in COMPOUND_SURNAMES:
            pass  # 司马 is a common word too, but after a role word its given name follows
        elif _word_freq(word) >= _COMMON_WORD_FREQ and not (strict and _name_may_end(text, start + len(word))):
            # 陈述, 宁可: jieba's dictionary tags common words nr too — but after a strict role
            # word, 朱红称…, 胡子已…, 王子未…, 高峰飞签收… are people
            return None
    elif flag == "nt" and strict and len(word) == 3 and looks_like_person_name(word) \
            and _name_ends_at(text, start + 3):
        return start + 3  # jieba's HMM tags some names as organisations: 原审被告苏红国，男
    elif (flag == "ns" and word[-1] in "省市县区州盟旗") or flag == "nt" or word in _PROVINCES:
        return None  # 被告宁夏…商贸有限公司, 被告青岛市…: an organisation named after a place
    elif flag == "d" and strict and len(word) == 2 and word[0] in SINGLE_SURNAMES \
            and _name_may_end(text, start + 2):
        pass  # 高新 is an adverb to jieba, 嫌疑人高新博拒不… a person: read on below
    elif not strict or (flag[:1] in "vpcdurqmft" and _word_freq(word) >= _COMMON_WORD_FREQ):
        return None  # 被告承认…, 员工宿舍: no name follows
    if not strict and not flag.startswith("nr"):
        return None
    surname = 2 if text[start:start + 2] in COMPOUND_SURNAMES else 1
    if surname == 1 and text[start] not in SINGLE_SURNAMES:
        return None
    word_starts = {t[0] for t in tokens if len(t[2]) > 1 and t[3] != "nr"}
    end = start + surname
    for _ in range(2):  # a given name has one or two characters
        if end >= len(text) or not _HAN_RE.match(text[end]):
            break
        if end == start + surname:
            if text.startswith(_FIRST_CHAR_STOPS, end):
                break
        elif text.startswith(_NAME_STOP_WORDS, end) or end in word_starts:
            break
        if text.startswith("某", end):
            return None  # 李某, 张某某: already a pseudonym
        end += 1
    return end if end > start + surname else None


def _party_spans(text: str, party_names: Iterable[str], persons: bool) -> list[tuple[int, int]]:
    """Where the party names occur: organisations (persons=False) are protected from masking;
    names that look like a natural person's (persons=True) are masked wherever they occur."""
    spans = []
    for name in party_names:
        name = (name or "").strip()
        if len(name) < 2 or name not in text or looks_like_person_name(name) != persons:
            continue
        # what re.finditer(re.escape(name)) finds, without compiling a pattern per name (the
        # regex cache holds 512: thousands of party names made this a seventh of the scrub)
        start = text.find(name)
        while start >= 0:
            spans.append((start, start + len(name)))
            start = text.find(name, start + len(name))
    return spans


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _role_name_spans(text: str, tokens, protected) -> list[tuple[int, int]]:
    """Names following role words, including lists: 原告张三、李四与王五; 被告某某有限公司、万丽."""
    spans = []
    for m in _ROLE_RE.finditer(text):
        if _inside(protected, m.start(), m.end()):
            continue
        strict = m.group() not in SOFT_ROLE_WORDS
        pos = _ROLE_GAP_RE.match(text, m.end()).end()
        while not _ROLE_RE.match(text, pos):  # 原告张三、原告李四: the next role word starts afresh
            skip = next((e for s, e in protected if s <= pos < e), None) or _org_span_at(text, pos, tokens)
            if skip is None:
                end = _name_end_after_role(text, pos, tokens, strict=strict)
                if end is None:
                    break
                spans.append((pos, end))
            else:
                end = skip  # an organisation in the list: step over it, the list goes on
            sep = _LIST_SEP_RE.match(text, end)
            if not sep or sep.end() == end:
                break
            pos = sep.end()
    return spans


def _nr_spans(text: str, tokens, protected) -> list[tuple[int, int]]:
    """Tokens jieba tags as person names, minus ordinary words and parts of org/place names.

    jieba often tags only the surname (赵/nr + 铁柱/n): a surname token followed by a short
    content word is joined into one name.
    """
    spans = []
    for i, (start, end, word, flag) in enumerate(tokens):
        if not flag.startswith("nr"):
            continue
        if _ROLE_RE.search(word):
            continue  # jieba tags 申请人 nr
        prev = tokens[i - 1] if i else None
        if (_in_dictionary(word) and prev and prev[1] == start and prev[2] not in _ROLE_SET
                and prev[3][:1] in "nftmqvad"):
            continue  # a dictionary "name" glued to a word: 内付清, 支付迟延 — ordinary words
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt and len(word) + len(nxt[2]) <= 3 and _HAN_RE.match(nxt[2]) \
                and not nxt[3].startswith(_ORG_BREAK_FLAGS + ("v", "x")) \
                and (len(word) == 1 and word in SINGLE_SURNAMES
                     or len(nxt[2]) == 1 and (nxt[3].endswith("g") or nxt[3].startswith("nr"))):
            # 赵/nr + 铁柱/n, 宋白/nr + 芷/g: jieba split the name
            end, word = nxt[1], word + nxt[2]
        if not looks_like_person_name(word) or word[-1] in _NON_NAME_ENDINGS:
            continue
        if (len(word) == 2 and _in_dictionary(word)) or word in _HMM_NON_NAMES:
            continue  # two-character dictionary "names" are mostly words (张贴, 林木, 陈述, 卓越)
        if _inside(protected, start, end):
            continue
        # 王建国餐饮有限公司, 李哥庄镇: the "name" is part of an organisation or place name.
        after = tokens[i + 1] if i + 1 < len(tokens) and tokens[i + 1][0] == end else None
        if _org_span_at(text, start, tokens) is not None or (after and after[2] in _PLACE_SUFFIX_TOKENS):
            continue
        spans.append((start, end))
    return spans


def _trim_name(text: str, start: int, end: int) -> tuple[int, int]:
    """(start, end) of a found name, set right: no more than two given-name characters where a name
    may end after two (吕强凤/向本局, 朱梓凤/称其); without a trailing _PREDICATE_STARTS character,
    the first character of a word that follows names (戴敏陈/述申辩) or a preposition (姚志/向本局),
    keeping one given-name character; or with the second half of a doubled given name jieba cut
    off (汤超/超出 in 汤超超出示), which would otherwise stay readable after the mask."""
    surname = _surname_length(text[start:end])
    if end - start > surname + 2 and _name_ends_at(text, start + surname + 2):
        end = start + surname + 2
    if end - start >= surname + 2 and (text[end - 1] in _PREDICATE_STARTS
                                       or text.startswith(_PREDICATE_WORDS, end - 1)
                                       or _PREPOSITION_THEN.match(text, end - 1)):
        return start, end - 1
    if end - start == surname + 1 and end < len(text) and text[end] == text[end - 1]:
        return start, end + 1
    return start, end


# Words that introduce the officers handling a case (执法人员王明、李强出示执法证件). An officer's name
# is public by design (domain §2, 执法人员), so a name right after one of these — or in the list that
# follows it — is kept when it is in the register of the record's agency; any other name is masked
# as usual.
OFFICER_ROLE_WORDS = ("执法人员", "办案人员", "检查人员", "承办人员", "执法员", "承办人", "主办人", "协办人")
_OFFICER_ROLE_RE = re.compile("|".join(map(re.escape, sorted(OFFICER_ROLE_WORDS, key=len, reverse=True))))


def _officer_spans(text: str, tokens, officers: Iterable[str]) -> list[tuple[int, int]]:
    """Where registered officers are named: after an officer role word (and its list), then
    every other mention of the same names in this text."""
    names = sorted({n for n in officers if n and len(n) >= 2}, key=len, reverse=True)
    if not names:
        return []
    # the register's 王明 is not the text's 王明明: jieba reading a longer name there vetoes it
    # (token ends are no test: jieba cuts 汤超超出示 as 汤超/超出/示)
    longer = {t[0]: t[1] for t in tokens if t[3].startswith("nr")}

    def named_at(pos: int, name: str) -> bool:
        return text.startswith(name, pos) and longer.get(pos, 0) <= pos + len(name)

    seen = set()
    for m in _OFFICER_ROLE_RE.finditer(text):
        pos = _ROLE_GAP_RE.match(text, m.end()).end()
        while True:
            name = next((n for n in names if named_at(pos, n)), None)
            if name is None:
                break
            seen.add(name)
            sep = _LIST_SEP_RE.match(text, pos + len(name))
            if not sep or sep.end() == pos + len(name):
                break
            pos = sep.end()
    spans = []
    for name in seen:
        start = text.find(name)
        while start >= 0:
            if named_at(start, name):
                spans.append((start, start + len(name)))
            start = text.find(name, start + len(name))
    return spans


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _mask_names(text: str, party_names: Iterable[str], officers: Iterable[str] = ()) -> str:
    if not any(c in SINGLE_SURNAMES or c in "欧司诸上东皇尉公慕长宇夏轩令钟端" for c in text):
        return text
    tokens = _tokens(text)
    kept = _officer_spans(text, tokens, officers)
    protected = _party_spans(text, party_names, persons=False) + kept
    # trimmed after merging: a role-word name and jieba's guess may overlap (上官林 + 林未)
    spans = [_trim_name(text, s, e) for s, e in
             _merge(_role_name_spans(text, tokens, protected) + _nr_spans(text, tokens, protected))]
    # A name found once is masked wherever else it occurs (the later mention may lack a role word).
    found = {text[s:e] for s, e in spans if e - s >= 2}
    spans += _party_spans(text, list(found) + list(party_names), persons=True)
    spans = [_trim_name(text, s, e) for s, e in _merge(spans) if not _overlaps(kept, s, e)]
    return _replace_spans(text, spans, mask_person_name)


# --- numbers -----------------------------------------------------------------------------------

_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def id_check_digit(first17: str) -> str:
    """ISO 7064 mod 11-2 check character of an 18-digit 居民身份证号码."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return "10X98765432"[total % 11]


def _valid_id18(number: str) -> bool:
    return len(number) == 18 and number[:17].isdigit() and id_check_digit(number[:17]) == number[17].upper()


def _plausible_birth(yyyymmdd: str) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return 1880 <= born.year <= 2100


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = int(c)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _gs15_ok(number: str) -> bool:
    """ISO 7064 mod 11,10 check of a 15-digit 工商注册号 (public business registration number)."""
    p = 10
    for c in number[:14]:
        s = (p + int(c)) % 10 or 10
        p = (2 * s) % 11
    return (p + int(number[14])) % 10 == 1


_B = r"(?<![0-9A-Za-z.])"          # no digit, letter or decimal point before
_E = r"(?![0-9A-Za-z]|\.\d)"       # no digit, letter or decimals after
_ID18_RE = re.compile(_B + r"\d{17}[\dXx]" + _E)
_ID15_RE = re.compile(_B + r"\d{15}" + _E)
_FRAGMENT_RE = re.compile(_B + r"\d{6,14}[*＊]{4,12}\d{0,8}\d{2,3}[\dXx]" + _E)
_MOBILE_RE = re.compile(r"(?<![0-9A-Za-z+])(?:(?:\+|00)?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}" + _E)
_CARD_RE = re.compile(_B + r"[3-69]\d{3}(?:[-\s]?\d{4}){2,3}(?:[-\s]?\d{1,3})?" + _E)
# A landline needs its area code, or a 电话 label, so that amounts such as 20000000 are not masked.
_LANDLINE_RE = re.compile(
    r"(?:(?<![0-9A-Za-z])(?:[(（]0\d{2,3}[)）][-\s]?|0\d{2,3}[-\s－—]?)"
    r"|(?:电话|座机|传真|联系方式|Tel|TEL|tel)[:：\s]*)"
    r"[2-8]\d{6,7}(?:(?:转|-|－)\d{1,5})?" + _E)
# A natural person's home address (domain §3): what follows 住址/家住/户籍地… or a bare 住 after a
# comma (男，汉族，住胶州市…) up to the next punctuation. An organisation's 住所 is public.
_ADDRESS_RE = re.compile(
    r"((?:家庭住址|现住址|户籍地址|户籍所在地|户籍地|住址|家住|现住|居住地|暂住地|暂住|(?<=[，,、（(])住(?![所宿房院户建]))[：:\s]*)"
    r"[^，,。；;）)\n]{2,60}")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def is_id18(number: str) -> bool:
    """An 18-character number with a valid check digit is an ID number whatever its place code.

    The one exception: a valid 统一社会信用代码 made only of digits (its check digit can pass the ID
    check by chance) without a plausible birth date where an ID number carries one.
    """
    if not _valid_id18(number):
        return False
    if uscc.is_valid(number) and not _plausible_birth(number[6:14]):
        return False
    return True


def _is_id15(number: str) -> bool:
    """Legacy 15-digit ID: 6-digit place code, YYMMDD birth date (19YY), 3-digit sequence.

    A 15-digit 工商注册号 passing its own mod 11,10 check is public data and not reported.
    """
    return _plausible_birth("19" + number[6:12]) and not _gs15_ok(number)


def _public_code(number: str) -> bool:
    """A valid 统一社会信用代码 or 15-digit 工商注册号 that is not an ID number."""
    if len(number) == 18:
        return uscc.is_valid(number) and not is_id18(number)
    return len(number) == 15 and number.isdigit() and _gs15_ok(number)


# Every hit of find_personal_data is a match of one of these patterns. One search for any of them
# (a single pass in C) rules out most texts — the leak gate's candidate runs, free text without
# numbers — before the five separate scans and the check-digit tests. Keep in step with
# _find_personal_data below (tests/test_leakgate_prefilter.py compares the two).
_NUMBER_DETECTORS = (_ID18_RE, _ID15_RE, _FRAGMENT_RE, _MOBILE_RE, _CARD_RE)
_ANY_NUMBER_RE = re.compile("|".join(f"(?:{p.pattern})" for p in _NUMBER_DETECTORS))


# The detectors are written for ASCII digits, but people type numbers in full-width forms
# (１３９…, with ＋ － Ｘ) and other scripts' digits are digits too. Each maps onto one ASCII
# character, so a number is looked for in a mapped copy and the offsets hold for the text itself.
_OTHER_DIGIT_RE = re.compile(r"(?![0-9])\d|[Ｘｘ＊＋－]")


@lru_cache(maxsize=1)
def _ascii_digit_table() -> dict[int, str]:
    table = {cp: str(unicodedata.decimal(chr(cp))) for cp in range(128, sys.maxunicode + 1)
             if unicodedata.category(chr(cp)) == "Nd"}
    table.update({ord(a): b for a, b in zip("Ｘｘ＊＋－", "Xx*+-")})
    return table


def ascii_digits(text: str) -> str:
    """text with every digit and full-width Ｘ ＊ ＋ － as its ASCII character (same length)."""
    return text.translate(_ascii_digit_table()) if _OTHER_DIGIT_RE.search(text) else text


def find_personal_data(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of ID numbers, ID fragments, mobile numbers and bank cards written in
    ASCII digits, sorted (map other digits first: ascii_digits; the leak gate maps full-width).

    kinds: id_number, id_fragment, mobile, bank_card. Landlines and e-mail addresses are not
    reported here: agencies publish theirs (咨询电话, 监督电话); `scrub_text` still masks them in
    free text.
    """
    if _ANY_NUMBER_RE.search(text) is None:
        return []  # no detector pattern matches anywhere, so none of the loops below would add a hit
    return _find_personal_data(text)


def _find_personal_data(text: str) -> list[tuple[str, int, int]]:
    """find_personal_data without the pre-filter."""
    hits: list[tuple[str, int, int]] = []
    for m in _ID18_RE.finditer(text):
        if is_id18(m.group()):
            hits.append(("id_number", m.start(), m.end()))
    for m in _ID15_RE.finditer(text):
        if _is_id15(m.group()):
            hits.append(("id_number", m.start(), m.end()))
    for m in _FRAGMENT_RE.finditer(text):
        hits.append(("id_fragment", m.start(), m.end()))
    for m in _MOBILE_RE.finditer(text):
        hits.append(("mobile", m.start(), m.end()))
    for m in _CARD_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 16 <= len(digits) <= 19 and _luhn_ok(digits) and not _public_code(digits):
            hits.append(("bank_card", m.start(), m.end()))
    return _drop_overlaps(sorted(hits, key=lambda h: (h[1], -h[2])))


def _drop_overlaps(hits: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    kept: list[tuple[str, int, int]] = []
    for hit in hits:
        if kept and hit[1] < kept[-1][2]:
            continue
        kept.append(hit)
    return kept


def _number_spans(text: str) -> list[tuple[int, int]]:
    text = ascii_digits(text)  # one character for one: the spans hold for the original text
    spans = [(s, e) for _, s, e in find_personal_data(text)]
    spans += [(m.start(), m.end()) for m in _LANDLINE_RE.finditer(text)]
    spans += [(m.start(), m.end()) for m in _EMAIL_RE.finditer(text)]
    # Any long bare digit run (a mistyped ID number or an account number) is masked too: free text
    # has no legitimate 15+-digit numbers.
    spans += [(m.start(), m.end()) for m in re.finditer(_B + r"\d{15,}[Xx]?" + _E, text)
              if not _public_code(m.group())]
    return _merge(spans)


# --- shared helpers ----------------------------------------------------------------------------

def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _replace_spans(text: str, spans: list[tuple[int, int]], replace) -> str:
    parts, last = [], 0
    for s, e in spans:
        parts.append(text[last:s])
        parts.append(replace(text[s:e]))
        last = e
    parts.append(text[last:])
    return "".join(parts)


# --- public API --------------------------------------------------------------------------------

def scrub_text(text: str | None, party_names: Iterable[str] = (), officers: Iterable[str] = ()) -> str | None:
    """Free text with personal data masked; None stays None.

    Numbers (ID numbers and fragments, mobile and landline numbers, bank cards, e-mail addresses)
    and home addresses (after 住址, 家住, 户籍地 …; an organisation's 住所 stays) become NUMBER_MASK; names of natural persons become surname + '*'. `party_names` lists names
    that are public (the organisation or 个体工商户 business the record is about): they are kept.
    A party name that looks like a person's name is *not* kept — free text must not carry a
    natural person's name even when that person is the party. `officers` lists the registered
    officers of the record's agency: they are kept where the text names them as the officers
    handling the case (OFFICER_ROLE_WORDS), since officers' names are public by design.
    """
    if text is None:
        return None
    text = str(text)
    if not text:
        return text
    text = _replace_spans(text, _number_spans(text), lambda _s: NUMBER_MASK)
    text = _ADDRESS_RE.sub(lambda m: m.group(1) + NUMBER_MASK, text)
    return _mask_names(text, tuple(party_names or ()), tuple(officers or ()))


def birth_date(id_number: str | None) -> date | None:
    """Birth date carried by an 18- or 15-digit ID number, or None."""
    number = re.sub(r"\s", "", id_number or "")
    if re.fullmatch(r"\d{17}[\dXx]", number):
        digits = number[6:14]
    elif re.fullmatch(r"\d{15}", number):
        digits = "19" + number[6:12]
    else:
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def is_minor(id_number: str | None, on: date) -> bool:
    """True when the ID number's holder is under 18 on `on`.

    A masked fragment keeping the birth year (3412261991****5971) counts as a minor when the year
    alone cannot rule it out (policy: minors are never published, so doubt means withhold).
    """
    born = birth_date(id_number)
    if born is None:
        m = re.fullmatch(r"\d{6}((?:19|20)\d\d)\S*", re.sub(r"\s", "", id_number or ""))
        return bool(m) and on.year - int(m.group(1)) <= 18
    try:
        adult_on = born.replace(year=born.year + 18)
    except ValueError:  # born on 29 February
        adult_on = date(born.year + 18, 3, 1)
    return on < adult_on


def is_secret(note: str | None) -> bool:
    """True when a note flags 国家秘密 / 商业秘密 / 涉密 content (and does not negate it: 不涉密)."""
    if not note:
        return False
    for m in _SECRET_RE.finditer(str(note)):
        if not _NEGATION_RE.search(note[max(0, m.start() - 6):m.start()]):
            return True
    return False
