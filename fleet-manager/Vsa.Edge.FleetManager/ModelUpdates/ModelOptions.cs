using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.FleetManager.ModelUpdates;

/// <summary>
/// Model delivery settings, section <c>Fleet:Models</c>: which model-signing keys the fleet trusts, where packages are kept,
/// the most a package may weigh, and the HTTPS endpoint devices download from with their client certificate (docs/models.md,
/// "Fleet side").
/// </summary>
public sealed class ModelOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Models";

    /// <summary>
    /// The trusted model-signing public keys (ECDSA P-256): each entry is a PEM text (<c>-----BEGIN PUBLIC KEY-----</c>) or the
    /// path of a PEM file (what <c>vsa model keygen</c> writes as <c>model-signing.pub.pem</c>). Only public keys: the private
    /// key stays on the machine that packs models. Default none: every upload is then refused as <c>untrusted</c>.
    /// </summary>
    public IList<string> SigningKeys { get; } = [];

    /// <summary>
    /// Folder of the stored packages (<c>packages/{sha256}.vsamodel</c>) and of uploads in progress (<c>incoming/</c>).
    /// Default: <c>models</c> under <c>Fleet:Storage:DataDirectory</c>.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>Largest package accepted by an upload, in bytes. Default 1 GiB (NanoDet with 8 frames is about 21 MB).</summary>
    [Range(1024L, 8L * 1024 * 1024 * 1024)]
    public long MaxPackageBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>
    /// Port of the device download endpoint (HTTPS, a client certificate from the fleet CA required). Default 8444; 0 turns
    /// the endpoint off (devices then cannot fetch models).
    /// </summary>
    [Range(0, 65535)]
    public int DeliveryPort { get; set; } = 8444;

    /// <summary>Address the download endpoint listens on. Default <c>0.0.0.0</c> (every interface: devices reach it over the network).</summary>
    public string DeliveryBindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// The https base URL devices use to reach the download endpoint, put in every <c>DesiredModel.Url</c> (for example
    /// <c>https://fleet.csu.example:8444</c>); its host must be one of the broker certificate's names
    /// (<c>Fleet:Trust:ServerHostNames</c>, or localhost). Default <c>https://localhost:{DeliveryPort}</c>.
    /// </summary>
    public string? PublicBaseUrl { get; set; }
}

/// <summary>Cross-field rules of <see cref="ModelOptions"/>: every key readable as P-256, the base URL https and absolute.</summary>
public sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        for (var i = 0; i < options.SigningKeys.Count; i++)
        {
            try
            {
                _ = ModelSigningKeyring.ReadEntry(options.SigningKeys[i]);
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                failures.Add($"{ModelOptions.SectionName}:SigningKeys:{i}: {ex.Message}");
            }
        }

        if (options.PublicBaseUrl is { } url
            && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment)))
        {
            failures.Add($"{ModelOptions.SectionName}:PublicBaseUrl '{url}' is not an absolute https URL without query (for example https://fleet.example:8444).");
        }

        if (!System.Net.IPAddress.TryParse(options.DeliveryBindAddress, out _))
        {
            failures.Add($"{ModelOptions.SectionName}:DeliveryBindAddress '{options.DeliveryBindAddress}' is not an IP address.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The model-signing public keys the fleet trusts, read once from <see cref="ModelOptions.SigningKeys"/>.</summary>
public sealed class ModelSigningKeyring
{
    /// <summary>Reads the configured keys (validated on start by <see cref="ModelOptionsValidator"/>).</summary>
    public ModelSigningKeyring(IOptions<ModelOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var keys = new List<byte[]>();
        foreach (var entry in options.Value.SigningKeys)
        {
            foreach (var key in ReadEntry(entry))
            {
                if (!keys.Any(k => k.AsSpan().SequenceEqual(key)))
                {
                    keys.Add(key);
                }
            }
        }

        SubjectPublicKeyInfos = keys;
        Verifier = new SignedMessageVerifier(keys);
        Base64 = [.. keys.Select(Convert.ToBase64String)];
        Views = [.. keys.Select(k => new Trust.SigningKeyView(SigningKeys.KeyId(k), "ES256", SigningKeys.PublicKeyPem(k)))];
    }

    /// <summary>The keys, DER SubjectPublicKeyInfo.</summary>
    public IReadOnlyList<byte[]> SubjectPublicKeyInfos { get; }

    /// <summary>A verifier trusting exactly these keys.</summary>
    public SignedMessageVerifier Verifier { get; }

    /// <summary>The keys as <c>DesiredConfigMessage.ModelSigningKeys</c> carries them: base64 DER SubjectPublicKeyInfo.</summary>
    public IReadOnlyList<string> Base64 { get; }

    /// <summary>The keys as the enrolment response gives them (key id, ES256, PEM).</summary>
    public IReadOnlyList<Trust.SigningKeyView> Views { get; }

    /// <summary>The P-256 public keys of one <see cref="ModelOptions.SigningKeys"/> entry: PEM text, or the path of a PEM file.</summary>
    /// <exception cref="FormatException">Not a P-256 public key.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<byte[]> ReadEntry(string entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var pem = entry.Contains("-----BEGIN", StringComparison.Ordinal) ? entry
            : File.Exists(entry) ? File.ReadAllText(entry)
            : throw new FileNotFoundException($"'{entry}' is neither a PEM public key nor an existing file");
        return SigningKeys.ReadPublicKeys(pem);
    }
}
