"""Record builders: party masking, legal review before decision, the number guard."""

from datetime import date

from pipeline.records import Output, Party, legal_review_before_decision, name_only, resolve_scrubs


def test_party_masking_by_kind():
    person = Party("张三", "自然人")
    assert person.name == "张*" and person.public_legal_rep is None
    shop = Party("胶州市刘大小吃店", "个体工商户", "刘大")
    assert shop.name == "胶州市刘*小吃店" and shop.public_legal_rep is None
    own_name_shop = Party("李小明", "个体工商户", "李小明")
    assert own_name_shop.name == "李*"
    company = Party("青岛甲有限公司", "法人及非法人组织", "王五（身份证110101201001011237）")
    assert company.name == "青岛甲有限公司" and company.public_legal_rep == "王五"


def test_free_text_masks_the_party_people_and_scrubs_the_rest():
    out = Output()
    shop = Party("胶州市刘大小吃店", "个体工商户", "刘大")
    out.add("penalties", {"id": "cf-1", "facts": shop.scrub("刘大在胶州市刘大小吃店经营，电话13812345678。")})
    resolve_scrubs(out, workers=1)
    facts = out.records["penalties"][0]["facts"]
    assert "刘大" not in facts and "13812345678" not in facts and "胶州市刘*小吃店" in facts


def test_guard_scrubs_numbers_in_fields_that_are_not_free_text():
    out = Output()
    out.add("permits", {"id": "xk-1", "certificate_name": "许可证（持证人身份证110101201001011237）",
                        "decision_no": "胶市监许〔2024〕1234567号", "phone_consult": "0532-80000001"})
    record = out.records["permits"][0]
    assert "110101201001011237" not in record["certificate_name"]
    assert record["decision_no"] == "胶市监许〔2024〕1234567号" and record["phone_consult"] == "0532-80000001"


def test_name_only():
    assert name_only("王五（身份证…）") == "王五" and name_only(" 赵六 ") == "赵六"
    assert name_only("") is None and name_only("123") is None


def _ev(stage, day):
    return {"stage": stage, "date": date(2024, 3, day)}


def test_legal_review_before_decision():
    assert legal_review_before_decision([_ev("法制审核", 1), _ev("决定", 5)]) is True
    assert legal_review_before_decision([_ev("法制审核", 5), _ev("决定", 5)]) is True   # same day counts
    assert legal_review_before_decision([_ev("决定", 5), _ev("法制审核", 9)]) is False
    assert legal_review_before_decision([_ev("决定", 5)]) is False
    assert legal_review_before_decision([_ev("立案", 1)]) is None                       # not decided yet
