"""Our signatures and AES scheme reproduce every published WeChat sample vector."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.webhook.crypto import CryptoError, MessageCrypto, check_signature, signature

# WeChat's published sample vectors, shared with the sandbox's tests.
VECTORS_PATH = Path(__file__).resolve().parent.parent / "data" / "official_vectors.json"
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("v", VECTORS["plain_get_signature"], ids=lambda v: v["token"])
def test_url_signature_vectors(v):
    assert signature(v["token"], v["timestamp"], v["nonce"]) == v["signature"]
    assert check_signature(v["token"], v["signature"], v["timestamp"], v["nonce"])
    assert not check_signature(v["token"], v["signature"], v["timestamp"], v["nonce"] + "0")


@pytest.mark.parametrize("v", VECTORS["encrypt_fixed_random"], ids=lambda v: v["token"])
def test_encryption_with_fixed_random_matches_the_sample(v):
    crypto = MessageCrypto(v["token"], v["encoding_aes_key"], v["appid"])
    encrypted = crypto.encrypt(v["plaintext"].encode(), random16=v["random16"].encode())
    assert encrypted == v["ciphertext"]
    assert crypto.decrypt(encrypted).decode() == v["plaintext"]


@pytest.mark.parametrize("v", VECTORS["decrypt"], ids=lambda v: v["token"])
def test_decryption_vectors(v):
    crypto = MessageCrypto(v["token"], v["encoding_aes_key"], v["appid"])
    assert check_signature(v["token"], v["msg_signature"], v["timestamp"], v["nonce"], v["encrypt"])
    plain = crypto.decrypt(v["encrypt"]).decode()
    if "expected" in v:
        assert plain == v["expected"]
    else:
        assert v["expected_contains"] in plain


@pytest.mark.parametrize("v", VECTORS["wecom_verify_url"], ids=lambda v: v["token"])
def test_wecom_echostr_vector(v):
    crypto = MessageCrypto(v["token"], v["encoding_aes_key"], v["receive_id"])
    sig = (v["timestamp"], v["nonce"], v["echostr"])
    assert check_signature(v["token"], v["msg_signature"], *sig)
    assert crypto.decrypt(v["echostr"]).decode() == v["expected"]


def test_another_appid_is_refused():
    v = VECTORS["decrypt"][0]
    crypto = MessageCrypto(v["token"], v["encoding_aes_key"], "wx0000000000000000")
    with pytest.raises(CryptoError, match="appid"):
        crypto.decrypt(v["encrypt"])


@pytest.mark.parametrize("bad", ["not base64!", "", "QUJD", "A" * 43 + "=", "✓✓✓✓"])
def test_garbage_never_opens(bad):
    v = VECTORS["decrypt"][0]
    crypto = MessageCrypto(v["token"], v["encoding_aes_key"], v["appid"])
    with pytest.raises(CryptoError):
        crypto.decrypt(bad)


def test_each_encryption_differs_and_round_trips():
    crypto = MessageCrypto("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")
    one, two = crypto.encrypt("中文 reply".encode()), crypto.encrypt("中文 reply".encode())
    assert one != two
    assert crypto.decrypt(one) == crypto.decrypt(two) == "中文 reply".encode()
