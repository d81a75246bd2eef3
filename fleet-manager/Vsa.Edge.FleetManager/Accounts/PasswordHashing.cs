using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>
/// Password hashing with PBKDF2-HMAC-SHA256 (<see cref="Rfc2898DeriveBytes.Pbkdf2(string, byte[], int, HashAlgorithmName, int)"/>),
/// 600,000 iterations (OWASP's 2023 figure for this KDF), a 16-byte random salt and a 32-byte key. Stored as
/// <c>pbkdf2-sha256$600000$salt$key</c> (base64): the format names its parameters, so they can be raised later and older
/// hashes still verify. Chosen over ASP.NET Core Identity's PasswordHasher, whose default is 100,000 iterations.
/// </summary>
public sealed class PasswordHashing
{
    /// <summary>Iterations for new hashes.</summary>
    public const int DefaultIterations = 600_000;

    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int KeyBytes = 32;

    private readonly int _iterations;
    private readonly Lazy<string> _dummy;

    /// <summary>Creates the hasher; only tests of the format itself pass fewer iterations.</summary>
    public PasswordHashing(int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        _iterations = iterations;
        _dummy = new(() => Hash("not a password of anyone"));
    }

    /// <summary>Hashes a password with a fresh salt.</summary>
    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, _iterations, HashAlgorithmName.SHA256, KeyBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${_iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(key)}");
    }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="stored"/>; false for a malformed hash.</summary>
    public static bool Verify(string password, string stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(stored);
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            return false;
        }

        byte[] salt, key;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            key = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, key.Length);
        return CryptographicOperations.FixedTimeEquals(actual, key);
    }

    /// <summary>
    /// Spends the time of one verification without a stored hash, so that an unknown account name answers as slowly as a
    /// wrong password and names cannot be probed by timing.
    /// </summary>
    public void VerifyNothing(string password) => _ = Verify(password, _dummy.Value);
}
