"""WeChat's webhook signatures and its AES message scheme.

https://developers.weixin.qq.com/doc/service/en/Message_Management/Message_encryption_and_decryption_instructions.html
https://developers.weixin.qq.com/doc/oplatform/en/Third-party_Platforms/Message_Encryption/Technical_Plan.html
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# WeChat pads to a multiple of 32 bytes (PKCS#7 with block size 32), not AES's 16.
PAD_BLOCK = 32


class CryptoError(ValueError):
    """An encrypted payload that does not open; the message is a reason, never the content."""


def signature(token: str, *parts: str) -> str:
    """sha1 hex of the token and parts sorted and concatenated (signature and msg_signature)."""
    return hashlib.sha1("".join(sorted((token, *parts))).encode()).hexdigest()


def check_signature(token: str, given: str | None, *parts: str) -> bool:
    """True when `given` is the signature of these parts (compared in constant time)."""
    if not given:
        return False
    return hmac.compare_digest(signature(token, *parts), given.lower())


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key behind a 43-character EncodingAESKey."""
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise CryptoError("the EncodingAESKey does not give a 32-byte key")
    return key


class MessageCrypto:
    """Encrypt and decrypt payloads for one account; built once, used for every request."""

    def __init__(self, token: str, encoding_aes_key: str, appid: str) -> None:
        self.token = token
        self._appid = appid.encode()
        key = aes_key(encoding_aes_key)
        # The IV is the key's first 16 bytes, fixed by the scheme.
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]))

    def decrypt(self, encrypted: str) -> bytes:
        """The message bytes inside `encrypted` (base64); checks padding, length and appid."""
        try:
            raw = binascii.a2b_base64(encrypted.encode("ascii"), strict_mode=True)
        except (binascii.Error, UnicodeEncodeError):
            raise CryptoError("Encrypt is not base64") from None
        if not raw or len(raw) % 16:
            raise CryptoError("ciphertext length is not a multiple of the AES block")
        decryptor = self._cipher.decryptor()
        plain = decryptor.update(raw) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= PAD_BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding (wrong key?)")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise CryptoError("payload too short")
        (length,) = struct.unpack(">I", plain[16:20])
        if length > len(plain) - 20:
            raise CryptoError("message length out of range (wrong key?)")
        message, appid = plain[20 : 20 + length], plain[20 + length :]
        if not hmac.compare_digest(appid, self._appid):
            raise CryptoError("payload is for another appid")
        return message

    def encrypt(self, message: bytes, random16: bytes | None = None) -> str:
        """Base64 ciphertext of `message`; random16 is fixed only by tests of the sample vectors."""
        prefix = os.urandom(16) if random16 is None else random16
        body = prefix + struct.pack(">I", len(message)) + message + self._appid
        pad = PAD_BLOCK - len(body) % PAD_BLOCK
        encryptor = self._cipher.encryptor()
        raw = encryptor.update(body + bytes([pad]) * pad) + encryptor.finalize()
        return base64.b64encode(raw).decode("ascii")

    def envelope(self, reply_xml: str, timestamp: str, nonce: str) -> str:
        """The encrypted reply body of safe mode, with a MsgSignature that verifies."""
        encrypted = self.encrypt(reply_xml.encode())
        sig = signature(self.token, timestamp, nonce, encrypted)
        return (
            f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{sig}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )
