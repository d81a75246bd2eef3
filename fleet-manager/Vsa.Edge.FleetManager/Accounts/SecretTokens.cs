using System.Security.Cryptography;
using System.Text;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>
/// Random secrets handed out once (API tokens, enrolment tokens) and kept only as their SHA-256: 256 random bits make a
/// slow KDF unnecessary, and a prefix makes a leaked secret recognisable to secret scanners and in logs.
/// </summary>
public static class SecretTokens
{
    /// <summary>A new secret: <paramref name="prefix"/> followed by 32 random bytes in base64url.</summary>
    public static string New(string prefix) => prefix + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>What is stored and looked up: the lower-case hex SHA-256 of the secret's UTF-8 bytes.</summary>
    public static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
