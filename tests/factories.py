import factory

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.core.validators import credit_code_check_char
from shegong.stations.models import Agency, Station
from shegong.workforce.models import SocialWorkerProfile


def make_credit_code(n: int, county: str = "430302") -> str:
    first17 = f"52{county}{n:09d}"
    return first17 + credit_code_check_char(first17)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"测试社会工作服务中心{n}")
    credit_code = factory.Sequence(lambda n: make_credit_code(n))
    region_id = "430302"


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    name = factory.Sequence(lambda n: f"测试社工站{n}")
    tier = Station.Tier.TOWNSHIP
    region_id = "430302001"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.SOCIAL_WORKER
    password = factory.django.Password("Passw0rd!")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialWorkerProfile

    user = factory.SubFactory(UserFactory)


def make_id_number(region: str = "430302", birth: str = "19600101", seq: int = 123) -> str:
    from shegong.core.validators import id_check_char

    first17 = f"{region}{birth}{seq:03d}"
    return first17 + id_check_char(first17)


class RecipientFactory(factory.django.DjangoModelFactory):
    """A person with the search keys the register service would set."""

    class Meta:
        model = "people.Recipient"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"居民{n}")
    region_id = "430302001001"
    id_number = factory.Sequence(lambda n: make_id_number(seq=n % 1000))
    phone = "13812345678"
    address = "雨湖路1号"

    @factory.post_generation
    def keys(obj, create, extracted, **kwargs):
        from shegong.people.services import id_fields, name_initials

        obj.name_initials = name_initials(obj.name)
        for k, v in id_fields(obj.id_number).items():
            setattr(obj, k, v)
        if create:
            obj.save()


# A real 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
