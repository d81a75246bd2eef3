namespace Vsa.Edge.Contracts.Signing;

/// <summary>
/// A message the fleet signed: the exact JSON bytes of the inner message (base64 in <see cref="Payload"/>) and an ECDSA
/// P-256 / SHA-256 signature over those bytes. Signing bytes, not a re-serialised object, needs no JSON canonicalisation:
/// the receiver verifies the bytes it got, then parses them. Used for desired configurations (and, later, model metadata
/// and suspension commands), each naming its inner message's schema in <see cref="Schema"/>.
/// </summary>
/// <param name="Schema">
/// The schema id of the signed message (for example <c>vsa.config.desired</c>). A receiver refuses an envelope whose schema
/// is not the one it expects on that topic, and the inner message carries the same schema id (both are checked).
/// </param>
/// <param name="KeyId">The signing key's id: <see cref="SigningKeys.KeyId(ReadOnlySpan{byte})"/> (lower-case hex SHA-256 of its SubjectPublicKeyInfo).</param>
/// <param name="Payload">The inner message's exact UTF-8 JSON bytes, base64 (RFC 4648, with padding).</param>
/// <param name="Signature">
/// ECDSA P-256 over SHA-256 of the payload bytes, in IEEE P1363 form (r‖s, 64 bytes), base64. Not DER: a fixed length makes a
/// truncated signature an obvious refusal.
/// </param>
public sealed record SignedMessage(string Schema, string KeyId, string Payload, string Signature);
