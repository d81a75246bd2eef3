using System.Security.Cryptography;
using System.Text;

namespace Vsa.Edge.Contracts.Signing;

/// <summary>The keys of <see cref="SignedMessage"/>: ECDSA P-256 only, named by the SHA-256 of their SubjectPublicKeyInfo.</summary>
public static class SigningKeys
{
    /// <summary>Length of a P-256 signature in IEEE P1363 form (r‖s).</summary>
    public const int SignatureLength = 64;

    /// <summary>The key id of a public key: lower-case hex SHA-256 of its DER SubjectPublicKeyInfo (64 characters).</summary>
    public static string KeyId(ReadOnlySpan<byte> subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo));

    /// <summary>The key id of <paramref name="key"/>.</summary>
    public static string KeyId(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return KeyId(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>A SubjectPublicKeyInfo as PEM (<c>-----BEGIN PUBLIC KEY-----</c>).</summary>
    public static string PublicKeyPem(ReadOnlySpan<byte> subjectPublicKeyInfo) => PemEncoding.WriteString("PUBLIC KEY", subjectPublicKeyInfo);

    /// <summary>
    /// The public keys in <paramref name="pem"/>: every <c>PUBLIC KEY</c> block (other blocks are ignored), each checked to be an
    /// ECDSA P-256 key; returned as DER SubjectPublicKeyInfo.
    /// </summary>
    /// <exception cref="FormatException">No public key, or one that is not a valid P-256 key (the message says which).</exception>
    public static IReadOnlyList<byte[]> ReadPublicKeys(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var keys = new List<byte[]>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            if (label.SequenceEqual("PUBLIC KEY"))
            {
                var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                keys.Add(CheckP256(der, keys.Count));
            }

            rest = rest[fields.Location.End..];
        }

        return keys.Count > 0 ? keys : throw new FormatException("no PEM block 'PUBLIC KEY' found (expected an ECDSA P-256 public key)");
    }

    /// <summary>Reads a private key (PKCS #8 or SEC 1 PEM) and checks it is ECDSA P-256.</summary>
    /// <exception cref="FormatException">Not a P-256 private key.</exception>
    public static ECDsa ReadPrivateKey(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                throw new FormatException("the private key is not on the P-256 curve");
            }

            return key;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new FormatException($"not an ECDSA P-256 private key in PEM: {ex.Message}", ex);
        }
        catch (FormatException)
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>A compact one-line description: the key id's first 16 characters, for logs.</summary>
    public static string Short(string keyId) => keyId.Length > 16 ? keyId[..16] : keyId;

    internal static string Describe(IEnumerable<string> keyIds)
    {
        var builder = new StringBuilder();
        foreach (var id in keyIds)
        {
            builder.Append(builder.Length == 0 ? string.Empty : ", ").Append(id);
        }

        return builder.Length == 0 ? "none" : builder.ToString();
    }

    private static byte[] CheckP256(byte[] der, int index)
    {
        using var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(der, out var read);
            if (read != der.Length)
            {
                throw new FormatException($"public key {index + 1}: trailing bytes after the SubjectPublicKeyInfo");
            }
        }
        catch (CryptographicException ex)
        {
            throw new FormatException($"public key {index + 1} is not an ECDSA public key: {ex.Message}", ex);
        }

        return key.ExportParameters(false).Curve.Oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value
            ? der
            : throw new FormatException($"public key {index + 1} is not on the P-256 curve");
    }
}
