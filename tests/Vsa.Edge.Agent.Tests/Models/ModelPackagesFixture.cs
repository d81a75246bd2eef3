using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Manifests;
using Vsa.Edge.Models.Packaging;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary>
/// Real signed packages of the converted NanoDet, made once per test class with the model tool (2 validation frames each):
/// v1 (as converted), v2 (score threshold 0.45: other decisions on the same frames), v3 (weights scrambled after its
/// validation set was computed: loads and runs, must fail validation), v2 signed by a key the device does not trust, and
/// v4: NanoDet converted again from its TensorFlow.js graph at 640 × 640 (2.4 times the pixels of the agent's 416 × 416),
/// a genuine model that finds the same things at well under the soak's 0.8 of the rate.
/// Each is packed on first use (a test class pays only for the packages it uses).
/// </summary>
public sealed class ModelPackagesFixture : IDisposable
{
    private readonly Lazy<string> _v1;
    private readonly Lazy<string> _v2Model;
    private readonly Lazy<string> _v2;
    private readonly Lazy<string> _v3;
    private readonly Lazy<string> _v2WrongKey;
    private readonly Lazy<string> _v4Model;
    private readonly Lazy<string> _v4;

    public ModelPackagesFixture()
    {
        Root = Directory.CreateTempSubdirectory("vsa-model-packages-").FullName;
        _v1 = new(() => Pack(TestAssets.NanoDetDirectory, "1.0.0", Signer, null));
        _v2Model = new(() =>
        {
            var v2 = Path.Combine(Root, "model-v2");
            ModelVariants.Write(TestAssets.NanoDetDirectory, v2, "2.0.0", 0.45f, scrambleWeights: false);
            return v2;
        });
        _v2 = new(() => Pack(_v2Model.Value, "2.0.0", Signer, null));
        _v3 = new(() =>
        {
            var v3 = Path.Combine(Root, "model-v3");
            ModelVariants.Write(TestAssets.NanoDetDirectory, v3, "3.0.0", null, scrambleWeights: true);
            return Pack(v3, "3.0.0", Signer, TestAssets.NanoDetDirectory);
        });
        _v2WrongKey = new(() => Pack(_v2Model.Value, "2.0.0", Stranger, null, "v2-wrong-key"));
        _v4Model = new(() => ConvertAt(640, 640, "4.0.0"));
        _v4 = new(() => Pack(_v4Model.Value, "4.0.0", Signer, null));
        TrustFile = Path.Combine(Root, "model-keys.pem");
        File.WriteAllText(TrustFile, Signer.PublicKeyPem);
    }

    public string Root { get; }

    /// <summary>The slower v4 signed and packed: a genuine model the soak rolls back on its frame rate.</summary>
    public string V4 => _v4.Value;

    /// <summary>The model folder of v4 (id <c>nanodet-coco-640x640</c>, version 4.0.0).</summary>
    public string V4Model => _v4Model.Value;

    /// <summary>The id v4's manifest and package carry.</summary>
    public static string V4Id => PreparedModel.NanoDetAt(640, 640).Id;

    public MessageSigner Signer { get; } = MessageSigner.CreateNew();

    public MessageSigner Stranger { get; } = MessageSigner.CreateNew();

    public SignedMessageVerifier Trusted => new([Signer.SubjectPublicKeyInfo]);

    public string TrustFile { get; }

    public string V1 => _v1.Value;

    public string V2 => _v2.Value;

    public string V3Scrambled => _v3.Value;

    public string V2WrongKey => _v2WrongKey.Value;

    public void Dispose()
    {
        Signer.Dispose();
        Stranger.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    // What `./vsa model prepare --input-size WxH` then `./vsa model variant --version V` make: the graph converted at that
    // input size (the four feature-pyramid resizes rescaled), its manifest with the new input and the version.
    private string ConvertAt(int width, int height, string version)
    {
        var prepared = PreparedModel.NanoDetAt(width, height);
        var directory = Path.Combine(Root, $"model-{prepared.Id}");
        Directory.CreateDirectory(directory);
        var onnx = Path.Combine(directory, prepared.FileName);
        ModelConversion.ConvertFile(Path.Combine(TestAssets.HumanModelsPackage, prepared.GraphPath), onnx, prepared.Conversion);
        ManifestFile.Write(prepared.CreateManifest(ModelManifestLoader.ComputeSha256(onnx), version, prepared.DefaultScoreThreshold, prepared.FileName), Path.Combine(directory, "manifest.json"));
        return directory;
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
