using Vsa.Edge.Contracts.Files;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Models;

/// <summary>
/// The public keys this device trusts to sign model packages (ECDSA P-256), kept owner-only in <see cref="FileName"/>
/// beside the device credentials: written by enrolment (<c>modelSigningKeys</c> in the fleet's answer) and replaced by a
/// verified desired state's <see cref="Contracts.DesiredConfigMessage.ModelSigningKeys"/>. Distinct from the desired-state
/// keys: a fleet server that can sign configurations cannot sign a model.
/// </summary>
public sealed class ModelSigningKeyStore(string path)
{
    /// <summary>File name of the trusted model-signing keys (PEM <c>PUBLIC KEY</c> blocks).</summary>
    public const string FileName = "model-signing-keys.pem";

    /// <summary>Where the keys are kept.</summary>
    public string FilePath { get; } = path;

    /// <summary>The trusted keys (none when the file is missing: every package is then refused as untrusted).</summary>
    /// <exception cref="InvalidOperationException">The file exists but holds something else than P-256 public keys.</exception>
    public IReadOnlyList<byte[]> Read()
    {
        var text = File.Exists(FilePath) ? File.ReadAllText(FilePath) : "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        try
        {
            return SigningKeys.ReadPublicKeys(text);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"{FilePath}: {ex.Message}", ex);
        }
    }

    /// <summary>A verifier over the trusted keys.</summary>
    public SignedMessageVerifier Verifier() => new(Read());

    /// <summary>
    /// Replaces the trusted keys by <paramref name="base64Keys"/> (base64 SubjectPublicKeyInfo, P-256), written owner-only
    /// and atomically; returns false when they are the ones kept already.
    /// </summary>
    /// <exception cref="FormatException">A key that is not base64 of a P-256 public key, named by its position; nothing is written.</exception>
    public bool Replace(IReadOnlyList<string> base64Keys)
    {
        var pem = ToPem(base64Keys);
        if (File.Exists(FilePath) && File.ReadAllText(FilePath) == pem)
        {
            return false;
        }

        WriteOwnerOnly(FilePath, pem);
        return true;
    }

    /// <summary>
    /// Takes the keys a verified desired state names, but only as a first set: a device that already trusts model keys
    /// (from enrolment, by hand, or an earlier desired state) keeps them, because the desired state is signed by the fleet's
    /// key and a separate model key exists precisely so that the fleet's key alone cannot put a model on the devices.
    /// Rotating model keys is done by re-enrolment or by hand (<c>vsa-agent model install --trust</c>).
    /// </summary>
    /// <returns>What became of them.</returns>
    /// <exception cref="FormatException">A key that is not base64 of a P-256 public key; nothing is written.</exception>
    public DesiredKeysOutcome LearnFromDesiredState(IReadOnlyList<string> base64Keys)
    {
        var pem = ToPem(base64Keys);
        if (Read().Count == 0)
        {
            WriteOwnerOnly(FilePath, pem);
            return DesiredKeysOutcome.Learnt;
        }

        return File.ReadAllText(FilePath) == pem ? DesiredKeysOutcome.Unchanged : DesiredKeysOutcome.RefusedAlreadyTrusting;
    }

    /// <summary>The PEM text of <paramref name="base64Keys"/>, each checked to be a P-256 public key.</summary>
    /// <exception cref="FormatException">A key that cannot be read, named by its position.</exception>
    public static string ToPem(IReadOnlyList<string> base64Keys)
    {
        ArgumentNullException.ThrowIfNull(base64Keys);
        var pem = new System.Text.StringBuilder();
        for (var i = 0; i < base64Keys.Count; i++)
        {
            try
            {
                var block = SigningKeys.PublicKeyPem(Convert.FromBase64String(base64Keys[i] ?? ""));
                _ = SigningKeys.ReadPublicKeys(block);
                pem.Append(block).Append('\n');
            }
            catch (FormatException ex)
            {
                throw new FormatException($"modelSigningKeys[{i}] is not a base64 P-256 public key (SubjectPublicKeyInfo): {ex.Message}", ex);
            }
        }

        return pem.ToString();
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> owner-only (0600), atomically, creating its folder.</summary>
    public static void WriteOwnerOnly(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        ProtectedFile.Replace(path, text);
    }
}

/// <summary>What became of the model-signing keys a desired state named (<see cref="ModelSigningKeyStore.LearnFromDesiredState"/>).</summary>
public enum DesiredKeysOutcome
{
    /// <summary>The device trusted no model key yet: these are now its keys.</summary>
    Learnt,

    /// <summary>The same keys as kept already.</summary>
    Unchanged,

    /// <summary>Other keys than the device already trusts: ignored (the fleet's key alone cannot change them).</summary>
    RefusedAlreadyTrusting,
}
