using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts.ModelPackages;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.Models.Packaging;
using Vsa.Edge.Models.Tests.Support;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Models.Tests.Packaging;

/// <summary>One real pose package of the converted MoveNet lightning (2 validation frames of the demo clip), packed once and signed.</summary>
public sealed class PosePackageFixture : IDisposable
{
    public PosePackageFixture()
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        var unsigned = Temp.File("pose-unsigned.vsamodel");
        Signed = Temp.File("pose.vsamodel");
        var movenet = Path.Combine(TestAssets.CacheRoot, "models", "movenet-lightning");
        using (var output = File.Create(unsigned))
        {
            Metadata = PackageBuilder.Pack(new PackRequest(movenet, TestAssets.DemoClip, "2.0.0", Frames: 2, FrameStep: 300, Detector: TestAssets.NanoDetDirectory), output, Time);
        }

        using var input = File.OpenRead(unsigned);
        using var signed = File.Create(Signed);
        PackageSigner.Sign(input, signed, Signer);
    }

    public TempDirectory Temp { get; } = new();

    public FakeTimeProvider Time { get; }

    public MessageSigner Signer { get; } = MessageSigner.CreateNew();

    public string Signed { get; }

    public ModelPackageMetadata Metadata { get; }

    public void Dispose()
    {
        Signer.Dispose();
        Temp.Dispose();
    }
}

public sealed class PosePackageTests(PosePackageFixture package) : IClassFixture<PosePackageFixture>
{
    [Fact]
    public void Pack_PreparedMoveNet_SaysPoseWithItsKeypointsEventsAndThePackedCrops()
    {
        var m = package.Metadata;

        Assert.Equal(("movenet-lightning", ModelPackageMetadata.PoseKind), (m.Id, m.Kind));
        Assert.Equal(["manifest.json", "movenet.onnx", "validation/frame-000.png", "validation/frame-001.png"], m.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.Equal(17, m.Keypoints!.Count);
        Assert.Subset(m.Keypoints.ToHashSet(), PoseRequirements.UsedKeypoints.ToHashSet());
        Assert.Equal(["person_down"], m.Events);
        Assert.Empty(m.Categories);
        Assert.Equal(new PoseTolerance(0.05f, 0.08f, 0.3f, 0), m.Validation.Pose);
        Assert.All(m.Validation.Frames, f => Assert.Empty(f.Detections));
        var crops = m.Validation.Frames.SelectMany(f => f.Poses!).ToList();
        Assert.InRange(crops.Count, 2, 6);
        Assert.All(crops, c => Assert.Equal(51, c.Keypoints.Count));

        // Keypoints the model is sure of lie in or near their person box (frame-normalised), and the hips of a walker are found.
        Assert.All(crops, c => Assert.All(Enumerable.Range(0, 17).Where(k => c.Keypoints[(k * 3) + 2] >= 0.3f), k =>
            Assert.InRange(c.Keypoints[k * 3], c.X - (0.5f * c.Width), c.X + (1.5f * c.Width))));
        Assert.Contains(crops, c => c.Keypoints[(11 * 3) + 2] >= 0.3f);
    }

    [Fact]
    public void Verify_SignedPosePackage_AcceptedWithItsKind()
    {
        var folder = package.Temp.File("extract-pose");

        var verified = ModelPackageVerifier.Verify(package.Signed, new SignedMessageVerifier([package.Signer.SubjectPublicKeyInfo]), new PackageChecks(package.Time.GetUtcNow(), "1.0.0"), folder);

        Assert.Equal(ModelPackageMetadata.PoseKind, verified.Metadata.Kind);
        Assert.Equal(package.Metadata.Validation.Frames.Sum(f => f.Poses!.Count), verified.Metadata.Validation.Frames.Sum(f => f.Poses!.Count));
        Assert.True(File.Exists(Path.Combine(folder, "movenet.onnx")));
    }

    [Fact]
    public void Parse_PoseMetadataWithoutKeypoints_RefusedAsMalformed()
    {
        var json = ModelPackageFormat.SerializeMetadata(package.Metadata with { Keypoints = null });

        var ex = Assert.Throws<ModelPackageException>(() => ModelPackageVerifier.Parse(json));

        Assert.Equal(ModelPackageRefusal.Malformed, ex.Reason);
        Assert.Contains("keypoints: a pose model names 1 to 256 keypoints", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PoseCropWithTooFewKeypointValues_RefusedAsMalformed()
    {
        var frames = package.Metadata.Validation.Frames.ToList();
        var poses = frames[0].Poses!.ToList();
        poses[0] = poses[0] with { Keypoints = [.. poses[0].Keypoints.Take(50)] };
        frames[0] = frames[0] with { Poses = poses };
        var json = ModelPackageFormat.SerializeMetadata(package.Metadata with { Validation = package.Metadata.Validation with { Frames = frames } });

        var ex = Assert.Throws<ModelPackageException>(() => ModelPackageVerifier.Parse(json));

        Assert.Contains("validation: frame 'validation/frame-000.png' poses (each a box and 51 keypoint values)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SerializeMetadata_Detector_WritesNoPoseFieldSoOlderReadersStillParseIt()
    {
        var detector = package.Metadata with
        {
            Kind = ModelPackageMetadata.DetectorKind,
            Keypoints = null,
            Events = null,
            Validation = package.Metadata.Validation with { Pose = null, Frames = [.. package.Metadata.Validation.Frames.Select(f => f with { Poses = null })] },
        };

        var json = System.Text.Encoding.UTF8.GetString(ModelPackageFormat.SerializeMetadata(detector));

        Assert.DoesNotContain("keypoints", json, StringComparison.Ordinal);
        Assert.DoesNotContain("poses", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"pose\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("events", json, StringComparison.Ordinal);
        Assert.Equal(ModelPackageMetadata.DetectorKind, ModelPackageVerifier.Parse(System.Text.Encoding.UTF8.GetBytes(json)).Kind);
    }
}
