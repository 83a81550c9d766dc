#include "providers/huggingface/blob_check.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

namespace venom::providers {

BlobDigest::BlobDigest(const BlobIdentity& identity)
    : identity_(identity), ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    reset();
}

void BlobDigest::reset() {
    EVP_DigestInit_ex(ctx_.get(), identity_.sha256 ? EVP_sha256() : EVP_sha1(), nullptr);
    if (!identity_.sha256) {  // git's blob id: sha1("blob <size>\0" + content)
        const std::string header = "blob " + std::to_string(identity_.size) + '\0';
        EVP_DigestUpdate(ctx_.get(), header.data(), header.size());
    }
}

void BlobDigest::update(const void* data, std::size_t n) {
    EVP_DigestUpdate(ctx_.get(), data, n);
}

std::string BlobDigest::hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), out, &len);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) {
        hex += kDigits[out[i] >> 4];
        hex += kDigits[out[i] & 15];
    }
    return hex;
}

BlobCheck check_cached_blob(const std::filesystem::path& path, const BlobIdentity& identity,
                            const std::function<void(uint64_t hashed)>& on_bytes,
                            const std::function<bool()>& cancelled) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec) ||
        std::filesystem::file_size(path, ec) != identity.size || ec) {
        return BlobCheck::differs;
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return BlobCheck::differs;
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

    BlobDigest digest(identity);
    std::vector<char> buf(4 << 20);
    uint64_t hashed = 0;
    while (hashed < identity.size) {
        if (cancelled && cancelled()) return BlobCheck::cancelled;
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n <= 0) return BlobCheck::differs;
        digest.update(buf.data(), static_cast<std::size_t>(n));
        hashed += static_cast<uint64_t>(n);
        if (on_bytes) on_bytes(hashed);
    }
    return digest.hex() == identity.expected() ? BlobCheck::matches : BlobCheck::differs;
}

}  // namespace venom::providers
