using System.Formats.Tar;
using Vsa.Edge.Contracts.ModelPackages;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Models.Packaging;

/// <summary>
/// Signs a package's metadata with a model-signing key: the first entry becomes a <see cref="SignedMessage"/> of the
/// metadata's exact bytes, every other entry is copied unchanged. A signed package can be signed again (another key, or a
/// renewed key): the metadata inside the old envelope is re-signed as it is.
/// </summary>
public static class PackageSigner
{
    /// <summary>Reads <paramref name="input"/>, writes the signed package to <paramref name="output"/>; returns the metadata.</summary>
    public static ModelPackageMetadata Sign(Stream input, Stream output, MessageSigner signer)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(signer);
        using var reader = new TarReader(input, leaveOpen: true);
        var first = reader.GetNextEntry() ?? throw new ModelPackageException(ModelPackageRefusal.Malformed, "the package is empty");
        var bytes = Read(first);
        var payload = first.Name switch
        {
            ModelPackageFormat.UnsignedMetadataEntry => bytes,
            ModelPackageFormat.MetadataEntry => Convert.FromBase64String(
                System.Text.Json.JsonSerializer.Deserialize(bytes, Contracts.ContractsJsonContext.Default.SignedMessage)?.Payload
                ?? throw new ModelPackageException(ModelPackageRefusal.Malformed, "the signed metadata is null")),
            _ => throw new ModelPackageException(ModelPackageRefusal.Malformed, $"the first entry is '{first.Name}', not the metadata"),
        };
        var metadata = ModelPackageVerifier.Parse(payload);
        using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        using (var signed = new MemoryStream(signer.SignToJson(ModelPackageMetadata.SchemaId, payload), writable: false))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, ModelPackageFormat.MetadataEntry) { DataStream = signed, Mode = first.Mode });
        }

        while (reader.GetNextEntry() is { } entry)
        {
            writer.WriteEntry(entry);
        }

        return metadata;
    }

    private static byte[] Read(TarEntry entry)
    {
        if (entry.DataStream is null || entry.Length > ModelPackageFormat.MaxMetadataBytes)
        {
            throw new ModelPackageException(ModelPackageRefusal.Malformed, $"entry '{entry.Name}' is empty or too large for metadata");
        }

        using var copy = new MemoryStream();
        entry.DataStream.CopyTo(copy);
        return copy.ToArray();
    }
}
