using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.Models.Packaging;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary>
/// Real signed packages of the converted NanoDet, made once per test class with the model tool (2 validation frames each):
/// v1 (as converted), v2 (score threshold 0.45: other decisions on the same frames), v3 (weights scrambled after its
/// validation set was computed: loads and runs, must fail validation), and v2 signed by a key the device does not trust.
/// </summary>
public sealed class ModelPackagesFixture : IDisposable
{
    private readonly Lazy<string> _v4;

    public ModelPackagesFixture()
    {
        _v4 = new Lazy<string>(() => Pack(TestAssets.NanoDetDirectory, "4.0.0", Signer, null));
        Root = Directory.CreateTempSubdirectory("vsa-model-packages-").FullName;
        var v2 = Path.Combine(Root, "model-v2");
        var v3 = Path.Combine(Root, "model-v3");
        ModelVariants.Write(TestAssets.NanoDetDirectory, v2, "2.0.0", 0.45f, scrambleWeights: false);
        ModelVariants.Write(TestAssets.NanoDetDirectory, v3, "3.0.0", null, scrambleWeights: true);
        V1 = Pack(TestAssets.NanoDetDirectory, "1.0.0", Signer, null);
        V2 = Pack(v2, "2.0.0", Signer, null);
        V3Scrambled = Pack(v3, "3.0.0", Signer, TestAssets.NanoDetDirectory);
        V2WrongKey = Pack(v2, "2.0.0", Stranger, null, "v2-wrong-key");
        TrustFile = Path.Combine(Root, "model-keys.pem");
        File.WriteAllText(TrustFile, Signer.PublicKeyPem);
    }

    public string Root { get; }

    /// <summary>The converted model again as 4.0.0 (packed on first use): a genuine model the soak then rolls back.</summary>
    public string V4 => _v4.Value;

    public MessageSigner Signer { get; } = MessageSigner.CreateNew();

    public MessageSigner Stranger { get; } = MessageSigner.CreateNew();

    public SignedMessageVerifier Trusted => new([Signer.SubjectPublicKeyInfo]);

    public string TrustFile { get; }

    public string V1 { get; }

    public string V2 { get; }

    public string V3Scrambled { get; }

    public string V2WrongKey { get; }

    public void Dispose()
    {
        Signer.Dispose();
        Stranger.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    private string Pack(string model, string version, MessageSigner signer, string? expectFrom, string? name = null)
    {
        var unsigned = Path.Combine(Root, $"{name ?? version}.unsigned");
        var signed = Path.Combine(Root, $"{name ?? version}.vsamodel");
        using (var output = File.Create(unsigned))
        {
            PackageBuilder.Pack(new PackRequest(model, TestAssets.DemoClip, version, Frames: 2, FrameStep: 300, ExpectFrom: expectFrom), output, TimeProvider.System);
        }

        using var input = File.OpenRead(unsigned);
        using var result = File.Create(signed);
        PackageSigner.Sign(input, result, signer);
        return signed;
    }
}
