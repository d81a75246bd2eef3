using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.ModelPackages;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.ModelUpdates;

/// <summary>
/// Signed model packages in the real format (<see cref="ModelPackageFormat"/>) around the project's converted NanoDet (its
/// manifest and ONNX file), signed with a model-signing key made here, as <c>vsa model pack</c> + <c>sign</c> write them. The
/// fleet verifies signature, metadata and hashes but never runs the model, so the validation set holds one small frame without
/// detections (the device-side tests use packages with a computed validation set: Agent.Tests ModelPackagesFixture).
/// </summary>
public sealed class ModelPackageSamples : IDisposable
{
    private static readonly byte[] Frame = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");
    private int _count;

    /// <summary>The folder of the packages written.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("vsa-fleet-models-").FullName;

    /// <summary>The model-signing key the fleet is told to trust.</summary>
    public MessageSigner Signer { get; } = MessageSigner.CreateNew();

    /// <summary>A key nobody trusts.</summary>
    public MessageSigner Stranger { get; } = MessageSigner.CreateNew();

    /// <summary>The trusted public key as a PEM file (what <c>vsa model keygen</c> writes as <c>model-signing.pub.pem</c>).</summary>
    public string SigningKeyFile
    {
        get
        {
            var path = Path.Combine(Root, "model-signing.pub.pem");
            if (!File.Exists(path))
            {
                File.WriteAllText(path, Signer.PublicKeyPem);
            }

            return path;
        }
    }

    /// <summary>Fleet settings trusting <see cref="Signer"/>.</summary>
    public Dictionary<string, string?> Settings() => new() { ["Fleet:Models:SigningKeys:0"] = SigningKeyFile };

    /// <summary>
    /// Writes a signed package of NanoDet at <paramref name="version"/>; <paramref name="categories"/> restricts its categories
    /// (manifest and metadata), <paramref name="createdAt"/> and <paramref name="lifetime"/> set its validity.
    /// </summary>
    public string Write(string version, MessageSigner? signer = null, IReadOnlyList<string>? categories = null, DateTimeOffset? createdAt = null, TimeSpan? lifetime = null)
    {
        var manifest = JsonNode.Parse(File.ReadAllText(TestAssets.NanoDetManifest))!.AsObject();
        if (categories is not null)
        {
            var all = manifest["categories"]!.AsObject();
            manifest["categories"] = new JsonObject(all.Where(c => categories.Contains(c.Key)).Select(c => KeyValuePair.Create(c.Key, c.Value?.DeepClone())));
        }

        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest);
        var onnx = Path.Combine(TestAssets.NanoDetDirectory, "nanodet.onnx");
        var created = createdAt ?? DateTimeOffset.UtcNow.AddMinutes(-5);
        var metadata = new ModelPackageMetadata(
            ModelPackageMetadata.SchemaId, ModelPackageMetadata.CurrentVersion, "nanodet-coco", version, ModelPackageMetadata.DetectorKind,
            [
                new PackagedFile(ModelPackageFormat.ManifestFile, manifestBytes.Length, Sha(manifestBytes)),
                new PackagedFile("nanodet.onnx", new FileInfo(onnx).Length, Sha(File.ReadAllBytes(onnx))),
                new PackagedFile("validation/frame-000.png", Frame.Length, Sha(Frame)),
            ],
            [.. manifest["categories"]!.AsObject().Select(c => c.Key)],
            "1.0.0", created, created + (lifetime ?? TimeSpan.FromDays(30)),
            new ValidationSet(0.5f, 0.7f, 0.08f, 2, 0, [new ValidationFrame("validation/frame-000.png", 0, [])]));
        var path = Path.Combine(Root, $"{version}-{Interlocked.Increment(ref _count)}.vsamodel");
        var signed = (signer ?? Signer).SignToJson(ModelPackageMetadata.SchemaId, ModelPackageFormat.SerializeMetadata(metadata));
        using var output = File.Create(path);
        ModelPackageFormat.Write(output, ModelPackageFormat.MetadataEntry, signed, metadata, file => file switch
        {
            ModelPackageFormat.ManifestFile => new MemoryStream(manifestBytes),
            "nanodet.onnx" => File.OpenRead(onnx),
            _ => new MemoryStream(Frame),
        });
        return path;
    }

    /// <summary>A copy of <paramref name="package"/> with one byte of the model flipped (past the metadata, inside the ONNX file).</summary>
    public string FlipByte(string package)
    {
        var bytes = File.ReadAllBytes(package);
        bytes[bytes.Length / 2] ^= 0x01;
        return Save(bytes);
    }

    /// <summary>A copy of <paramref name="package"/> whose metadata signature has one bit flipped (same key id, same metadata).</summary>
    public string BreakSignature(string package)
    {
        using var input = File.OpenRead(package);
        var (_, envelopeBytes) = ModelPackageFormat.ReadFirstEntry(input);
        var envelope = JsonSerializer.Deserialize(envelopeBytes, ContractsJsonContext.Default.SignedMessage)!;
        var signature = Convert.FromBase64String(envelope.Signature);
        signature[5] ^= 0x10;
        var broken = JsonSerializer.SerializeToUtf8Bytes(envelope with { Signature = Convert.ToBase64String(signature) }, ContractsJsonContext.Default.SignedMessage);
        Assert.Equal(envelopeBytes.Length, broken.Length);
        var bytes = File.ReadAllBytes(package);
        var at = bytes.AsSpan().IndexOf(envelopeBytes);
        broken.CopyTo(bytes, at);
        return Save(bytes);
    }

    /// <summary>The SHA-256 of a file, as the store names it.</summary>
    public static string Sha256Of(string path) => Sha(File.ReadAllBytes(path));

    /// <inheritdoc />
    public void Dispose()
    {
        Signer.Dispose();
        Stranger.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    private string Save(byte[] bytes)
    {
        var path = Path.Combine(Root, $"altered-{Interlocked.Increment(ref _count)}.vsamodel");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
