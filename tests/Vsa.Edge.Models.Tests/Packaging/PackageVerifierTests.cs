using System.Formats.Tar;
using Vsa.Edge.Contracts.ModelPackages;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.Models.Packaging;

namespace Vsa.Edge.Models.Tests.Packaging;

public sealed class PackageVerifierTests(PackageFixture package) : IClassFixture<PackageFixture>
{
    private PackageChecks Now => new(package.Time.GetUtcNow(), "1.0.0");

    [Fact]
    public void Pack_RealModelAndClip_ListsEveryFileAndThePackingMachinesDetections()
    {
        var m = package.Metadata;

        Assert.Equal("nanodet-coco", m.Id);
        Assert.Equal(["manifest.json", "nanodet.onnx", "validation/frame-000.png", "validation/frame-001.png"], m.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.Contains("person", m.Categories);
        Assert.Equal([0L, 300L], m.Validation.Frames.Select(f => f.SourceFrame));
        Assert.All(m.Validation.Frames, f => Assert.Contains(f.Detections, d => d.ClassId == 0 && d.Score >= m.Validation.ScoreThreshold));
        Assert.Equal(package.Time.GetUtcNow().AddDays(365), m.ExpiresAt);
    }

    [Fact]
    public void Verify_SignedPackage_ExtractsEveryFileWithItsHash()
    {
        var folder = package.Temp.File("extract-ok");

        var verified = ModelPackageVerifier.Verify(package.Signed, package.Trusted, Now, folder);

        Assert.Equal(package.Signer.KeyId, verified.KeyId);
        Assert.Equal("1.2.0", verified.Metadata.Version);
        foreach (var file in verified.Metadata.Files)
        {
            Assert.Equal(file.Sha256, Contracts.ModelManifestLoader.ComputeSha256(Path.Combine(folder, file.Path)));
        }
    }

    [Fact]
    public void Verify_SignedByAnotherKey_RefusedAsUntrusted()
    {
        using var other = MessageSigner.CreateNew();

        var ex = Assert.Throws<ModelPackageException>(() => ModelPackageVerifier.Verify(package.Signed, new SignedMessageVerifier([other.SubjectPublicKeyInfo]), Now));

        Assert.Equal(ModelPackageRefusal.Untrusted, ex.Reason);
        Assert.Contains($"key id {package.Signer.KeyId} is not trusted", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_OneFlippedByteInTheModel_RefusedAsAlteredNamingTheFile()
    {
        var path = package.Copy("flipped-model.vsamodel");
        FlipByte(path, new FileInfo(path).Length / 2);

        var ex = Assert.Throws<ModelPackageException>(() => ModelPackageVerifier.Verify(path, package.Trusted, Now));

        Assert.Equal(ModelPackageRefusal.Altered, ex.Reason);
        Assert.StartsWith("'nanodet.onnx' has SHA-256", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_OneFlippedByteInTheSignedMetadata_RefusedAsUntrusted()
    {
        // The metadata entry's data starts after its PAX header block and its ustar header; byte 2000 is inside the payload.
        var path = package.Copy("flipped-metadata.vsamodel");
        FlipByte(path, 2000);

        var ex = Assert.Throws<ModelPackageException>(() => ModelPackageVerifier.Verify(path, package.Trusted, Now));

        Assert.True(ex.Reason is ModelPackageRefusal.Untrusted or ModelPackageRefusal.Malformed, ex.Report);
    }

    [Fact]
    public void Verify_AfterExpiry_RefusedAsExpired()
    {
        var ex = Assert.Throws<ModelPackageException>(() =>
            ModelPackageVerifier.Verify(package.Signed, package.Trusted, Now with { Now = package.Metadata.ExpiresAt.AddSeconds(1) }));

        Assert.Equal(ModelPackageRefusal.Expired, ex.Reason);
        Assert.Contains("expired at", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.2.0")]
    [InlineData("1.10")]
    [InlineData("2.0.0")]
    public void Verify_NotNewerThanTheRunningModel_RefusedAsDowngrade(string running)
    {
        var ex = Assert.Throws<ModelPackageException>(() =>
            ModelPackageVerifier.Verify(package.Signed, package.Trusted, Now with { RunningId = "nanodet-coco", RunningVersion = running }));

        Assert.Equal(ModelPackageRefusal.Downgrade, ex.Reason);
        Assert.Contains($"not newer than the running {running}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_OlderVersionOfAnotherModelId_Accepted()
    {
        var verified = ModelPackageVerifier.Verify(package.Signed, package.Trusted, Now with { RunningId = "other-model", RunningVersion = "9.0.0" });

        Assert.Equal("1.2.0", verified.Metadata.Version);
    }

    [Fact]
    public void Verify_AgentOlderThanTheMinimum_RefusedAsAgentTooOld()
    {
        var ex = Assert.Throws<ModelPackageException>(() => ModelPackageVerifier.Verify(package.Signed, package.Trusted, Now with { AgentVersion = "0.9.9" }));

        Assert.Equal(ModelPackageRefusal.AgentTooOld, ex.Reason);
    }

    [Fact]
    public void Verify_Unsigned_RefusedAsUntrusted()
    {
        var ex = Assert.Throws<ModelPackageException>(() => ModelPackageVerifier.Verify(package.Unsigned, package.Trusted, Now));

        Assert.Equal(ModelPackageRefusal.Untrusted, ex.Reason);
        Assert.Contains("not signed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_Truncated_RefusedAsAlteredOrMalformed()
    {
        var path = package.Copy("truncated.vsamodel");
        using (var stream = File.OpenWrite(path))
        {
            stream.SetLength(stream.Length / 2);
        }

        var ex = Assert.Throws<ModelPackageException>(() => ModelPackageVerifier.Verify(path, package.Trusted, Now));

        Assert.True(ex.Reason is ModelPackageRefusal.Altered or ModelPackageRefusal.Malformed, ex.Report);
    }

    [Fact]
    public void Verify_AnEntryAddedAfterSigning_RefusedAsAltered()
    {
        var path = package.Copy("extra.vsamodel");
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            // Overwrite the two zero blocks that end the archive with one more entry.
            stream.SetLength(stream.Length - 1024);
            stream.Seek(0, SeekOrigin.End);

            using var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true);
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "evil.sh") { DataStream = new MemoryStream([1, 2, 3]) });
        }

        var ex = Assert.Throws<ModelPackageException>(() => ModelPackageVerifier.Verify(path, package.Trusted, Now));

        Assert.Equal(ModelPackageRefusal.Altered, ex.Reason);
        Assert.Contains("'evil.sh' is not listed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_ResigningWithAnotherKey_KeepsTheSameMetadataBytes()
    {
        using var other = MessageSigner.CreateNew();
        var path = package.Temp.File("resigned.vsamodel");
        using (var input = File.OpenRead(package.Signed))
        using (var output = File.Create(path))
        {
            PackageSigner.Sign(input, output, other);
        }

        var first = ModelPackageVerifier.Verify(package.Signed, package.Trusted, Now);
        var second = ModelPackageVerifier.Verify(path, new SignedMessageVerifier([other.SubjectPublicKeyInfo]), Now);

        Assert.Equal(first.MetadataSha256, second.MetadataSha256);
        Assert.Equal(other.KeyId, second.KeyId);
    }

    private static void FlipByte(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var b = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(b ^ 0x01));
    }
}
