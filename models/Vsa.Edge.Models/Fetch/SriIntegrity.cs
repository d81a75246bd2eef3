using System.Security.Cryptography;

namespace Vsa.Edge.Models.Fetch;

/// <summary>A downloaded file does not have the pinned hash.</summary>
public sealed class IntegrityException : Exception
{
    public IntegrityException()
    {
    }

    public IntegrityException(string message)
        : base(message)
    {
    }

    public IntegrityException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>Subresource-integrity values (<c>sha512-&lt;base64&gt;</c>, as npm records them) computed and checked by us.</summary>
public static class SriIntegrity
{
    public static string ComputeSha512(string path)
    {
        using var stream = File.OpenRead(path);
        return "sha512-" + Convert.ToBase64String(SHA512.HashData(stream));
    }

    /// <summary>Throws <see cref="IntegrityException"/> unless the file's SHA-512 is the expected SRI value.</summary>
    public static void Verify(string path, string expected)
    {
        if (!expected.StartsWith("sha512-", StringComparison.Ordinal))
        {
            throw new IntegrityException($"only sha512 integrity values are accepted, not '{expected}'");
        }

        var actual = ComputeSha512(path);
        if (!CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(actual), System.Text.Encoding.ASCII.GetBytes(expected)))
        {
            throw new IntegrityException(
                $"{Path.GetFileName(path)} failed the integrity check: expected {expected}, got {actual}. Refusing to use it.");
        }
    }
}
