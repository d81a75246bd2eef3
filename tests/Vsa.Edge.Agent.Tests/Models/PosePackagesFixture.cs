using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.Models.Packaging;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary>
/// Real signed pose packages of the converted MoveNet lightning, made once per test class with the model tool (1 validation
/// frame of the demo clip, the person crops NanoDet finds there): v2 (as converted) and v3 (weights scrambled after its
/// validation keypoints were computed: same shapes, loads and runs, must fail validation).
/// </summary>
public sealed class PosePackagesFixture : IDisposable
{
    public PosePackagesFixture()
    {
        Root = Directory.CreateTempSubdirectory("vsa-pose-packages-").FullName;
        var scrambled = Path.Combine(Root, "movenet-v3");
        ModelVariants.Write(MoveNetDirectory, scrambled, "3.0.0", null, scrambleWeights: true);
        V2 = Pack(MoveNetDirectory, "2.0.0", null);
        V3Scrambled = Pack(scrambled, "3.0.0", MoveNetDirectory);
    }

    /// <summary>The prepared MoveNet lightning (the factory pose model).</summary>
    public static string MoveNetDirectory
    {
        get
        {
            var directory = Path.Combine(TestAssets.CacheRoot, "models", "movenet-lightning");
            return File.Exists(Path.Combine(directory, "manifest.json"))
                ? directory
                : throw new FileNotFoundException($"Test asset missing: {directory}. Prepare it with `./vsa model prepare`.", directory);
        }
    }

    public string Root { get; }

    public MessageSigner Signer { get; } = MessageSigner.CreateNew();

    public SignedMessageVerifier Trusted => new([Signer.SubjectPublicKeyInfo]);

    public string V2 { get; }

    public string V3Scrambled { get; }

    public void Dispose()
    {
        Signer.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    private string Pack(string model, string version, string? expectFrom)
    {
        var unsigned = Path.Combine(Root, $"pose-{version}.unsigned");
        var signed = Path.Combine(Root, $"pose-{version}.vsamodel");
        using (var output = File.Create(unsigned))
        {
            PackageBuilder.Pack(new PackRequest(model, TestAssets.DemoClip, version, Frames: 1, ExpectFrom: expectFrom, Detector: TestAssets.NanoDetDirectory), output, TimeProvider.System);
        }

        using var input = File.OpenRead(unsigned);
        using var result = File.Create(signed);
        PackageSigner.Sign(input, result, Signer);
        return signed;
    }
}
