using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts.ModelPackages;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.Models.Packaging;
using Vsa.Edge.Models.Tests.Support;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Models.Tests.Packaging;

/// <summary>One real package of the converted NanoDet (2 validation frames of the demo clip), packed once and signed.</summary>
public sealed class PackageFixture : IDisposable
{
    public PackageFixture()
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        Unsigned = Temp.File("v1-unsigned.vsamodel");
        Signed = Temp.File("v1.vsamodel");
        using (var output = File.Create(Unsigned))
        {
            Metadata = PackageBuilder.Pack(new PackRequest(TestAssets.NanoDetDirectory, TestAssets.DemoClip, "1.2.0", Frames: 2, FrameStep: 300), output, Time);
        }

        using var input = File.OpenRead(Unsigned);
        using var signed = File.Create(Signed);
        PackageSigner.Sign(input, signed, Signer);
    }

    public TempDirectory Temp { get; } = new();

    public FakeTimeProvider Time { get; }

    public MessageSigner Signer { get; } = MessageSigner.CreateNew();

    public SignedMessageVerifier Trusted => new([Signer.SubjectPublicKeyInfo]);

    public string Unsigned { get; }

    public string Signed { get; }

    public ModelPackageMetadata Metadata { get; }

    /// <summary>A copy of the signed package, for a test to alter.</summary>
    public string Copy(string name)
    {
        var path = Temp.File(name);
        File.Copy(Signed, path, overwrite: true);
        return path;
    }

    public void Dispose()
    {
        Signer.Dispose();
        Temp.Dispose();
    }
}
