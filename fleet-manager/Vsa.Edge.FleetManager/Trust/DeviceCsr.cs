using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vsa.Edge.FleetManager.Trust;

/// <summary>
/// A device's certificate signing request (PKCS #10, PEM), checked: its self-signature verifies (the device holds the key),
/// its key is ECDSA P-256/P-384 or RSA of at least 2048 bits, and its subject CN is a valid device id.
/// </summary>
public sealed class DeviceCsr
{
    /// <summary>Largest CSR accepted, in characters (a P-256 CSR is about 500).</summary>
    public const int MaxPemLength = 16 * 1024;

    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string CommonNameOid = "2.5.4.3";
    private static readonly string[] AcceptedCurves = ["1.2.840.10045.3.1.7", "1.3.132.0.34"];

    private DeviceCsr(string deviceId, PublicKey publicKey, bool isRsa)
    {
        DeviceId = deviceId;
        PublicKey = publicKey;
        IsRsa = isRsa;
    }

    /// <summary>The device id, from the subject CN.</summary>
    public string DeviceId { get; }

    /// <summary>The device's public key.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>Whether the key is RSA (else ECDSA).</summary>
    public bool IsRsa { get; }

    /// <summary>Parses and checks <paramref name="pem"/>; on failure <paramref name="error"/> says what is wrong, for the device's operator.</summary>
    public static bool TryParse(string? pem, [NotNullWhen(true)] out DeviceCsr? csr, [NotNullWhen(false)] out string? error)
    {
        csr = null;
        if (string.IsNullOrWhiteSpace(pem))
        {
            error = "csrPem is required: a PKCS #10 certificate signing request in PEM (-----BEGIN CERTIFICATE REQUEST-----).";
            return false;
        }

        if (pem.Length > MaxPemLength)
        {
            error = $"csrPem is longer than {MaxPemLength} characters.";
            return false;
        }

        CertificateRequest request;
        try
        {
            // Default load options verify the request's self-signature: proof that the sender holds the private key.
            request = CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256);
        }
        catch (CryptographicException ex)
        {
            error = $"csrPem is not a valid signed PKCS #10 request ({ex.Message}).";
            return false;
        }

        var commonNames = request.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == CommonNameOid)
            .Select(r => r.GetSingleElementValue())
            .ToList();
        if (commonNames.Count != 1 || !DeviceIds.IsValid(commonNames[0]))
        {
            error = commonNames.Count == 1
                ? $"The CSR's subject CN '{commonNames[0]}' is not a valid device id ({DeviceIds.Rule})."
                : $"The CSR's subject must have exactly one CN, the device id ({DeviceIds.Rule}); it has {commonNames.Count}.";
            return false;
        }

        if (!TryCheckKey(request.PublicKey, out var isRsa, out error))
        {
            return false;
        }

        csr = new DeviceCsr(commonNames[0]!, request.PublicKey, isRsa);
        return true;
    }

    private static bool TryCheckKey(PublicKey key, out bool isRsa, [NotNullWhen(false)] out string? error)
    {
        isRsa = false;
        error = null;
        switch (key.Oid.Value)
        {
            case EcPublicKeyOid:
                using (var ec = key.GetECDsaPublicKey())
                {
                    var curve = ec?.ExportParameters(false).Curve.Oid;
                    if (curve?.Value is { } oid && AcceptedCurves.Contains(oid, StringComparer.Ordinal))
                    {
                        return true;
                    }

                    error = $"The CSR's ECDSA key is on curve {curve?.FriendlyName ?? curve?.Value ?? "unknown"}; use P-256 (or P-384).";
                    return false;
                }

            case RsaOid:
                using (var rsa = key.GetRSAPublicKey())
                {
                    isRsa = true;
                    if (rsa is { KeySize: >= 2048 })
                    {
                        return true;
                    }

                    error = $"The CSR's RSA key has {rsa?.KeySize ?? 0} bits; at least 2048 are required (ECDSA P-256 is preferred).";
                    return false;
                }

            default:
                error = $"The CSR's key algorithm {key.Oid.FriendlyName ?? key.Oid.Value} is not accepted; use ECDSA P-256 or RSA of at least 2048 bits.";
                return false;
        }
    }
}
