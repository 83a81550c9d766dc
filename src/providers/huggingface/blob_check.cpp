#include "providers/huggingface/blob_check.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <memory>
#include <vector>

namespace venom::providers {

BlobCheck check_cached_blob(const CachedBlob& blob,
                            const std::function<void(uint64_t hashed)>& on_bytes,
                            const std::function<bool()>& cancelled) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(blob.path, ec) ||
        std::filesystem::file_size(blob.path, ec) != blob.size || ec) {
        return BlobCheck::differs;
    }
    const int fd = ::open(blob.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return BlobCheck::differs;
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), blob.sha256 ? EVP_sha256() : EVP_sha1(), nullptr);
    if (!blob.sha256) {  // git's blob id: sha1("blob <size>\0" + content)
        const std::string header = "blob " + std::to_string(blob.size) + '\0';
        EVP_DigestUpdate(ctx.get(), header.data(), header.size());
    }
    std::vector<char> buf(4 << 20);
    uint64_t hashed = 0;
    while (hashed < blob.size) {
        if (cancelled && cancelled()) return BlobCheck::cancelled;
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n <= 0) return BlobCheck::differs;
        EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
        hashed += static_cast<uint64_t>(n);
        if (on_bytes) on_bytes(hashed);
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), out, &len);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < len; ++i) {
        hex += kDigits[out[i] >> 4];
        hex += kDigits[out[i] & 15];
    }
    return hex == (blob.sha256 ? *blob.sha256 : blob.git_sha1) ? BlobCheck::matches
                                                               : BlobCheck::differs;
}

}  // namespace venom::providers
