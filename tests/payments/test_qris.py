"""Our QRIS TLV module: known vectors, what we build, what an independent decoder (qriskit) reads,
and the clear refusals of a bad CRC or a malformed TLV."""

from __future__ import annotations

import re

import pytest
import qriskit

from services.payments import qris
from services.payments.qris import Merchant, QrisError

# A published static QRIS (Baznas, through ShopeePay), CRC A402: a vector we did not produce ourselves.
BAZNAS = (
    "00020101021126550016ID.CO.SHOPEE.WWW01189360091800000000180202180303UBE51440014ID.CO.QRIS.WWW"
    "0215ID20190022915550303UBE5204839853033605802ID5906Baznas6013Jakarta Pusat61051034062070703A01"
    "6304A402"
)
MERCHANT = Merchant(
    acquirer_guid="ID.CO.BANKSUMUT.WWW",
    merchant_pan="936001170000012720",
    merchant_id="PEMKOSIANTAR01",
    nmid="ID1026000012720",
    criteria="URE",
    mcc="9311",
    name="PEMKO PEMATANGSIANTAR",
    city="PEMATANGSIANTAR",
    postal_code="21111",
)
# What build() gives for this merchant, Rp3,000, reference 2612020000017, terminal JUKIR01 — every byte.
EXPECTED = (
    "000201010212"
    "2670" "0019ID.CO.BANKSUMUT.WWW" "0118936001170000012720" "0214PEMKOSIANTAR01" "0303URE"
    "5144" "0014ID.CO.QRIS.WWW" "0215ID1026000012720" "0303URE"
    "52049311" "5303360" "54043000" "5802ID" "5921PEMKO PEMATANGSIANTAR" "6015PEMATANGSIANTAR" "610521111"
    "6228" "05132612020000017" "0707JUKIR01"
    "6304"
)  # fmt: skip


def test_crc16_ccitt_false_check_value():
    assert qris.crc16_ccitt_false("123456789") == 0x29B1
    assert qris.crc16_ccitt_false("") == 0xFFFF


def test_a_published_payload_parses_with_its_fields():
    parsed = qris.parse(BAZNAS)
    assert parsed.initiation == "11" and not parsed.is_dynamic
    assert parsed.merchant_name == "Baznas" and parsed.merchant_city == "Jakarta Pusat"
    assert parsed.nmid == "ID2019002291555"
    assert parsed.account("ID.CO.SHOPEE.WWW").fields == {"01": "936009180000000018", "02": "18", "03": "UBE"}
    assert parsed.terminal_label == "A01" and parsed.amount is None and parsed.crc == "A402"


def test_build_writes_every_tag_in_order_with_the_crc_over_all_before_it():
    payload = qris.build(MERCHANT, amount=3000, reference="2612020000017", terminal="JUKIR01")
    assert payload[:-4] == EXPECTED
    assert payload[-4:] == f"{qris.crc16_ccitt_false(EXPECTED):04X}"
    parsed = qris.parse(payload)
    assert parsed.is_dynamic and parsed.amount_rupiah == 3000 and parsed.currency == "360"
    assert parsed.reference_label == "2612020000017" and parsed.terminal_label == "JUKIR01"
    assert parsed.nmid == "ID1026000012720" and parsed.country == "ID" and parsed.postal_code == "21111"
    assert [a.tag for a in parsed.accounts] == ["26", "51"]


def test_an_independent_decoder_reads_our_payloads():
    for amount, terminal in ((3000, "JUKIR01"), (1_250_000, None), (7, None)):
        payload = qris.build(MERCHANT, amount=amount, reference="2612020000017", terminal=terminal)
        assert qriskit.validate(payload) == []
        theirs = qriskit.parse(payload, strict=True)
        assert theirs.is_dynamic
        assert theirs.merchant_name == "PEMKO PEMATANGSIANTAR" and theirs.merchant_city == "PEMATANGSIANTAR"
        assert theirs.nmid == "ID1026000012720"
        assert int(float(theirs.amount)) == amount
        assert theirs.currency == "360" and theirs.country == "ID" and theirs.mcc == "9311"


def test_a_bad_crc_is_refused_and_says_so():
    payload = qris.build(MERCHANT, amount=3000, reference="2612020000017")
    wrong = payload[:-4] + ("0000" if payload[-4:] != "0000" else "FFFF")
    with pytest.raises(QrisError, match="CRC mismatch"):
        qris.parse(wrong)
    tampered = payload.replace("54043000", "54041000")  # the amount changed, the CRC left as it was
    with pytest.raises(QrisError, match="CRC mismatch"):
        qris.parse(tampered)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("000201010212269900", "claims 99 characters"),  # length runs past the end
        ("00020101021226AB", "malformed TLV header"),  # length not digits
        ("0002010102122600", "length 00"),
        ("000201010212520", "truncated TLV header"),
        ("000201010212", "tag 52 (merchant category code) is missing"),
        ("000202010212", 'tag 00 = "01"'),
        ("0002010102135204931153033605802ID5903ABC6005MEDAN", 'tag 01 must be "11"'),
    ],
)
def test_malformed_payloads_are_refused_with_a_clear_error(body, message):
    with pytest.raises(QrisError, match=re.escape(message)):
        qris.parse(qris.with_crc(body))


def test_a_payload_without_a_merchant_account_or_with_a_bad_amount_is_refused():
    base = "0002010102125204931153033605802ID5903ABC6005MEDAN"
    with pytest.raises(QrisError, match="no merchant account"):
        qris.parse(qris.with_crc(base))
    with pytest.raises(QrisError, match="tag 54"):
        qris.parse(qris.with_crc(base + "5404-100" + "26080004ABCD"))


def test_build_refuses_what_no_wallet_could_read():
    with pytest.raises(QrisError, match="positive whole number"):
        qris.build(MERCHANT, amount=0, reference="x")
    with pytest.raises(QrisError, match="1–99"):
        qris.build(MERCHANT, amount=1, reference="x" * 100)
