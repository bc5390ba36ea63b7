"""Word pools for the demo data: names, addresses, phone numbers and short field notes."""

import random

TOWNSHIP = "城南街道"
COMMUNITIES = ("幸福社区", "和平社区")
GRID_NAMES = ("第一网格", "第二网格", "第三网格", "第四网格", "第五网格", "第六网格")

# The most common surnames, roughly in order of frequency, with weights to match.
SURNAMES = (
    ("王", 10),
    ("李", 10),
    ("张", 9),
    ("刘", 8),
    ("陈", 7),
    ("杨", 5),
    ("黄", 4),
    ("赵", 4),
    ("吴", 3),
    ("周", 3),
    ("徐", 3),
    ("孙", 2),
    ("马", 2),
    ("朱", 2),
    ("胡", 2),
    ("郭", 2),
    ("何", 2),
    ("高", 2),
    ("林", 2),
    ("罗", 1),
    ("郑", 1),
    ("梁", 1),
    ("谢", 1),
    ("宋", 1),
    ("唐", 1),
    ("许", 1),
    ("韩", 1),
    ("冯", 1),
    ("邓", 1),
    ("曹", 1),
)
# Given names of people now in their sixties to nineties (most of the caseload) ...
OLDER_GIVEN = (
    "桂英",
    "秀兰",
    "秀英",
    "玉兰",
    "淑珍",
    "凤英",
    "秀珍",
    "桂兰",
    "玉珍",
    "淑兰",
    "兰英",
    "建国",
    "建华",
    "国强",
    "德明",
    "志刚",
    "文华",
    "福贵",
    "永祥",
    "金生",
    "长林",
    "树林",
    "国华",
    "振华",
    "桂芳",
    "素芬",
    "翠花",
    "美华",
    "德福",
    "宝山",
    "庆华",
    "凤兰",
    "秀云",
)
# ... and of younger members of the households.
YOUNGER_GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "霞",
    "婷婷",
    "晓东",
    "海燕",
    "丽娟",
    "俊杰",
    "子涵",
    "浩然",
    "欣怡",
    "宇轩",
    "雨涵",
    "志强",
)

PHONE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "158",
    "159",
    "177",
    "180",
    "186",
    "187",
    "188",
    "189",
    "199",
)

# Why a resident is on the caseload, weighted; the household size follows from some of them.
CARE_REASON_WEIGHTS = (
    ("elderly_alone", 22),
    ("empty_nest", 14),
    ("over_80", 10),
    ("disabled_daily", 5),
    ("disability", 9),
    ("special_family", 3),
    ("dibao", 8),
    ("tekun", 3),
    ("sudden_hardship", 3),
    ("disaster", 1),
    ("child_difficulty", 3),
    ("serious_illness", 5),
    ("veteran", 4),
    ("rental", 6),
)
ELDERLY_REASONS = {"elderly_alone", "empty_nest", "over_80", "disabled_daily"}

RESIDENT_NOTES = (
    "子女在外地，每周电话联系。",
    "行动不便，需上门服务。",
    "耳背，敲门需用力。",
    "患高血压，按时服药。",
    "视力较差，宣传材料需当面读给他听。",
    "家中养狗，入户前先打电话。",
    "女儿为紧急联系人，电话已登记。",
    "轮椅出行，楼道需保持通畅。",
    "独自居住，喜欢聊天。",
    "租住，房东姓王。",
    "每月领取低保金。",
    "老伴去年去世，情绪需关注。",
)

VISIT_SUMMARIES = {
    "routine": (
        "入户走访，家中整洁，生活正常。",
        "了解近期生活情况，无特殊需求。",
        "提醒住户注意用电安全，发放宣传单。",
        "更新联系电话，住户无新的需求。",
        "走访了解家庭情况，邻里关系和睦。",
    ),
    "elderly_care": (
        "探访老人，血压平稳，按时服药。",
        "老人反映膝盖疼痛，已联系社区卫生服务站上门。",
        "协助老人预约下周体检。",
        "老人精神状态好，冰箱有储备食物。",
        "帮老人检查燃气阀门并关好，叮嘱出门前检查。",
        "老人情绪低落，陪聊半小时，约定下周再来。",
    ),
    "follow_up": (
        "回访上次反映的问题，已解决。",
        "复查隐患整改情况，已整改到位。",
        "回访老人就医情况，已出院，恢复良好。",
        "回访诉求办理进度，已告知住户。",
    ),
    "request": ("住户反映诉求，已登记并告知办理时限。",),
    "project": (
        "施工现场巡查，围挡完好，洒水降尘到位。",
        "走访施工周边住户，了解噪音影响。",
        "查看施工公示牌，夜间施工许可已张贴。",
        "巡查渣土车出入口，冲洗设施正常使用。",
    ),
    "not_home": ("敲门无人应答，已留联系卡。", "敲门无人应答，约定改日电话后再来。"),
}

DAY_RETURN_COMMENTS = (
    "第3条走访记录缺少隐患照片，请补充后重新提交。",
    "独居老人探访记录过于简单，请补充老人身体和居住情况。",
)

HAZARD_NOTES = {
    "S1": ("现场已要求立即整改，并报告社区。", "情况紧急，已电话上报街道应急办。"),
    "S2": ("已发放限期整改通知书。", "住户答应三天内处理。"),
    "S3": ("已告知住户整改要求，下次走访复查。", "住户表示本周内处理。"),
    "S4": ("已提醒住户注意。", "发放安全提示卡。"),
}
RECTIFIED_NOTES = (
    "已当场整改。",
    "住户已更换燃气软管。",
    "电动车已移至集中停放点。",
    "杂物已清理。",
    "已请电工重新布线。",
    "物业已修复。",
    "已安装烟雾报警器。",
)


def pick_surname(rng: random.Random) -> str:
    """A surname drawn with the weight of how common it is."""
    names, weights = zip(*SURNAMES, strict=True)
    return rng.choices(names, weights=weights)[0]


def person_name(rng: random.Random, older: bool = True) -> str:
    """A plausible full name for a resident of the given generation."""
    given = OLDER_GIVEN if older else YOUNGER_GIVEN
    return pick_surname(rng) + rng.choice(given)


def phone_number(rng: random.Random) -> str:
    """A well-formed (fake) mainland mobile number."""
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
