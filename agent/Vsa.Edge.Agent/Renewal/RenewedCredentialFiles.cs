using Vsa.Edge.Contracts.Files;

namespace Vsa.Edge.Agent.Renewal;

/// <summary>
/// Replaces the device certificate and key files as one step, so that a power cut at any instant leaves either the old pair
/// or the new pair, never a certificate with another key. Each new file is written beside its target under a
/// <c>.next</c> name (the key created with mode 0600, both flushed to disk); the certificate's <c>.next</c> file appearing
/// is the commit point; then both are renamed over the old ones (rename is atomic). <see cref="Recover"/> (run before the
/// credentials are loaded) finishes a committed replacement or discards an uncommitted one.
/// </summary>
public static class RenewedCredentialFiles
{
    /// <summary>Suffix of a file being replaced.</summary>
    public const string NextSuffix = ".next";

    private const string PartialSuffix = ".partial";

    /// <summary>Stores <paramref name="certificatePem"/> and <paramref name="keyPem"/> in place of <paramref name="certificatePath"/> and <paramref name="keyPath"/>.</summary>
    /// <exception cref="IOException">The files could not be written (the old pair is then untouched).</exception>
    public static void Replace(string certificatePath, string keyPath, string certificatePem, string keyPem)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificatePath);
        ArgumentException.ThrowIfNullOrEmpty(keyPath);
        Discard(certificatePath, keyPath);
        ProtectedFile.Create(keyPath + PartialSuffix, keyPem.TrimEnd() + "\n");
        File.Move(keyPath + PartialSuffix, keyPath + NextSuffix);
        ProtectedFile.Create(certificatePath + PartialSuffix, certificatePem.TrimEnd() + "\n", ProtectedFile.Readable);

        // The commit point: from here on the new pair wins, even across a power cut.
        File.Move(certificatePath + PartialSuffix, certificatePath + NextSuffix);
        Finish(certificatePath, keyPath);
    }

    /// <summary>Finishes or discards a replacement that a crash interrupted; returns what it did (null when there was none).</summary>
    public static string? Recover(string certificatePath, string keyPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificatePath);
        ArgumentException.ThrowIfNullOrEmpty(keyPath);
        if (File.Exists(certificatePath + NextSuffix))
        {
            Finish(certificatePath, keyPath);
            return "installed (the renewal had been committed)";
        }

        return Discard(certificatePath, keyPath) ? "discarded (the renewal had not been committed)" : null;
    }

    private static void Finish(string certificatePath, string keyPath)
    {
        // The key first: if only the certificate's .next remains, the key was already moved.
        if (File.Exists(keyPath + NextSuffix))
        {
            File.Move(keyPath + NextSuffix, keyPath, overwrite: true);
        }

        File.Move(certificatePath + NextSuffix, certificatePath, overwrite: true);
    }

    private static bool Discard(string certificatePath, string keyPath)
    {
        var any = false;
        foreach (var leftover in new[] { keyPath + PartialSuffix, keyPath + NextSuffix, certificatePath + PartialSuffix })
        {
            if (File.Exists(leftover))
            {
                File.Delete(leftover);
                any = true;
            }
        }

        return any;
    }
}
